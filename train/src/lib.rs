//! The TinyMLPerf trainer: trains each event's canonical model with candle on the CPU, converts it to
//! the product's package format, scores it on the held-out split with the *product's* scalar forward
//! pass, and writes `weights/<event>.safetensors`.
//!
//! Reproducibility: parameters are initialized from `--seed` with our own SplitMix64, every epoch's
//! sample order is a seeded shuffle, and candle's CPU kernels are deterministic for a fixed thread
//! count, so two runs with the same seed on the same machine give the same weights hash
//! (`tests/determinism.rs` checks it).
#![deny(missing_docs)]

pub mod data;
pub mod fixtures;
pub mod nets;
pub mod progress;
pub mod schedule;
pub mod sparse;

use anyhow::{Context, Result};
use candle_core::Device;
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use std::path::PathBuf;
use std::time::Instant;
use tinymlperf::events::{self, EventId};
use tinymlperf::format::{self as fmt, Package};
use tinymlperf::kernels;
use tinymlperf::models::{count_correct, Model, EVAL_BATCH};

/// Default training seed (the committed weights were trained with it).
pub const DEFAULT_SEED: u64 = 20_240_601;

/// Per-event hyper-parameters. Chosen so each event trains in a few minutes on 2 cores and clears
/// its accuracy threshold with margin.
#[derive(Debug, Clone, Copy)]
pub struct Recipe {
    /// Passes over the training set.
    pub epochs: usize,
    /// Training samples generated.
    pub train_samples: usize,
    /// Samples per optimizer step.
    pub batch: usize,
    /// Peak learning rate (AdamW).
    pub lr: f64,
    /// Linear warm-up steps.
    pub warmup: usize,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

/// The recipe the committed weights were trained with.
pub fn recipe(id: EventId) -> Recipe {
    match id {
        EventId::MlpSprint => Recipe { epochs: 8, train_samples: 60_000, batch: 128, lr: 2e-3, warmup: 100, weight_decay: 1e-4 },
        EventId::CnnMarathon => Recipe { epochs: 6, train_samples: 60_000, batch: 64, lr: 3e-3, warmup: 100, weight_decay: 1e-4 },
        EventId::TransformerDecathlon => Recipe { epochs: 4, train_samples: 20_000, batch: 32, lr: 1e-3, warmup: 200, weight_decay: 1e-4 },
    }
}

/// What to train.
#[derive(Debug, Clone)]
pub struct Config {
    /// The event.
    pub event: EventId,
    /// Seed for initialization and shuffling.
    pub seed: u64,
    /// Override of the recipe's epochs.
    pub epochs: Option<usize>,
    /// Override of the recipe's training-set size.
    pub train_samples: Option<usize>,
    /// Stop after this many optimizer steps (smoke tests); the schedule still spans the full run.
    pub max_steps: Option<usize>,
    /// Train on real MNIST from this directory instead of the procedural digits.
    pub mnist_dir: Option<PathBuf>,
    /// Draw progress bars and per-epoch losses on stderr.
    pub verbose: bool,
}

impl Config {
    /// The default run for `event`.
    pub fn new(event: EventId) -> Self {
        Config { event, seed: DEFAULT_SEED, epochs: None, train_samples: None, max_steps: None, mnist_dir: None, verbose: true }
    }
}

/// A finished training run.
pub struct Trained {
    /// Weights in product layout with training metadata (no held-out accuracy yet).
    pub package: Package,
    /// Optimizer steps taken.
    pub steps: usize,
    /// Mean training loss of each epoch.
    pub epoch_losses: Vec<f32>,
    /// Wall-clock training time in seconds.
    pub seconds: f64,
}

/// A freshly initialized candle mirror of the event's model.
pub fn build_net(id: EventId, seed: u64, dev: &Device) -> Result<Box<dyn nets::Net>> {
    Ok(match id {
        EventId::MlpSprint => Box::new(nets::mlp::Mlp::new(seed, dev)?),
        EventId::CnnMarathon => Box::new(nets::cnn::Cnn::new(seed, dev)?),
        EventId::TransformerDecathlon => Box::new(nets::transformer::Transformer::new(seed, dev)?),
    })
}

/// Trains one event and returns its package (tensor data final; held-out metadata added by
/// [`score_heldout`]).
pub fn train(cfg: &Config) -> Result<Trained> {
    let dev = Device::Cpu;
    let r = recipe(cfg.event);
    let epochs = cfg.epochs.unwrap_or(r.epochs);
    let samples = cfg.train_samples.unwrap_or(r.train_samples);
    let t_data = Instant::now();
    let (set, source) = data::TrainSet::load(cfg.event, samples, cfg.mnist_dir.as_deref())?;
    if cfg.verbose {
        eprintln!("{}: {} training samples ({source}) generated in {:.1}s", cfg.event, set.len(), t_data.elapsed().as_secs_f64());
    }
    let net = build_net(cfg.event, cfg.seed, &dev)?;
    let mut opt = AdamW::new(net.params().vars(), ParamsAdamW { lr: r.lr, weight_decay: r.weight_decay, ..Default::default() })?;

    let steps_per_epoch = set.len().div_ceil(r.batch);
    let total_steps = steps_per_epoch * epochs;
    let limit = cfg.max_steps.unwrap_or(usize::MAX);
    let start = Instant::now();
    let mut step = 0;
    let mut epoch_losses = Vec::new();
    'outer: for epoch in 0..epochs {
        let order = data::epoch_order(set.len(), cfg.seed, epoch);
        let mut bar = cfg.verbose.then(|| progress::Progress::new(format!("epoch {:>2}/{epochs}", epoch + 1), steps_per_epoch));
        let (mut sum, mut count) = (0.0f64, 0usize);
        for (i, idx) in order.chunks(r.batch).enumerate() {
            if step >= limit {
                if let Some(b) = bar.as_mut() {
                    b.finish();
                }
                break 'outer;
            }
            opt.set_learning_rate(schedule::lr_at(step, total_steps, r.warmup, r.lr, 0.02));
            let (x, y) = set.batch(idx, &dev)?;
            let logits = net.forward(&x)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &y)?;
            opt.backward_step(&loss)?;
            let l = loss.to_scalar::<f32>()?;
            sum += l as f64;
            count += 1;
            step += 1;
            if let Some(b) = bar.as_mut() {
                b.update(i + 1, (sum / count as f64) as f32);
            }
        }
        let mean = (sum / count.max(1) as f64) as f32;
        epoch_losses.push(mean);
        if let Some(b) = bar.as_mut() {
            b.finish();
            eprintln!("epoch {:>2}/{epochs}: mean loss {mean:.5} ({:.0}s)", epoch + 1, start.elapsed().as_secs_f64());
        }
    }
    let seconds = start.elapsed().as_secs_f64();

    let mut package = net.params().to_package()?;
    let spec = events::spec(cfg.event);
    package.set_meta(fmt::META_EVENT, cfg.event.as_str());
    package.set_meta(fmt::META_ARCHITECTURE, spec.architecture);
    package.set_meta(fmt::META_TRAINING_SEED, cfg.seed.to_string());
    package.set_meta(fmt::META_TRAIN_SAMPLES, set.len().to_string());
    package.set_meta(fmt::META_EPOCHS, epochs.to_string());
    package.set_meta(fmt::META_TRAIN_DATA, source);
    package.set_meta("steps", step.to_string());
    package.set_meta("batch_size", r.batch.to_string());
    package.set_meta("optimizer", format!("adamw lr={} warmup={} cosine weight_decay={}", r.lr, r.warmup, r.weight_decay));
    package.set_meta("trainer", concat!("tinymlperf-train ", env!("CARGO_PKG_VERSION"), " (candle 0.9, cpu)"));
    package.set_meta("params", net.params().count().to_string());
    Ok(Trained { package, steps: step, epoch_losses, seconds })
}

/// Stores every F32 tensor of `package` as F16, the committed reference weights' storage: half the
/// download, and the held-out accuracy of all three events unchanged (logits within 1.2e-4–2.6e-4
/// relative RMS of the F32 weights'). Run before scoring, so the recorded accuracy is the stored
/// weights'. The engine computes in f32 on the stored values either way.
pub fn store_half(package: &mut Package) -> Result<()> {
    let names: Vec<String> = package.tensors().filter(|(_, t)| t.dtype == fmt::Dtype::F32).map(|(n, _)| n.to_string()).collect();
    for n in names {
        let t = package.get(&n).context("tensor listed")?.clone();
        let data = t.data.iter().map(|&v| half::f16::from_f32(v).to_f32()).collect();
        package.insert_typed(&n, t.shape.clone(), fmt::Dtype::F16, data)?;
    }
    Ok(())
}

/// Held-out accuracy of a sparse entry on the product's sparse path (block-sparse layers of the
/// event's plan), recorded in the package like [`score_heldout`].
pub fn score_sparse(id: EventId, package: &mut Package) -> Result<(usize, usize, Vec<(String, f64)>)> {
    let mut model = Model::from_package(package)?;
    let layers: Vec<&str> = tinymlperf::models::optimize::default_prune_plan(id).iter().map(|(l, _)| *l).collect();
    let density = tinymlperf::models::optimize::sparsify(&mut model, &layers)?;
    let data = events::heldout(id);
    let correct = count_correct(&model, &kernels::sparse(), &data, EVAL_BATCH)?;
    record_heldout(package, correct, data.len());
    Ok((correct, data.len(), density))
}

/// Records a held-out score in the package's metadata (what `events` reads back as the recorded accuracy).
fn record_heldout(package: &mut Package, correct: usize, total: usize) {
    package.set_meta(fmt::META_HELDOUT_CORRECT, correct.to_string());
    package.set_meta(fmt::META_HELDOUT_TOTAL, total.to_string());
    package.set_meta(fmt::META_HELDOUT_ACCURACY, (correct as f64 / total as f64).to_string());
}

/// Scores the package on the event's held-out split with the product's model code and the scalar
/// kernel table (the reference every submission is compared against), records the result in the
/// metadata, and returns `(correct, total)`.
pub fn score_heldout(id: EventId, package: &mut Package) -> Result<(usize, usize)> {
    let model = Model::from_package(package).context("product loader rejected the trained package")?;
    let data = events::heldout(id);
    let correct = count_correct(&model, &kernels::scalar(), &data, EVAL_BATCH)?;
    let total = data.len();
    record_heldout(package, correct, total);
    Ok((correct, total))
}
