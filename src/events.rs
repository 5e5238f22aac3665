//! The three events as data: id, model, input shape, dataset, accuracy threshold.
