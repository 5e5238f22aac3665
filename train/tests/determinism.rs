//! Two short runs with the same seed must produce bit-identical weights (same tensor-data hash), and a
//! different seed must not. Tiny runs (a few optimizer steps on a small training set) keep this fast.
use tinymlperf::events::EventId;
use tinymlperf_train::{train, Config};

fn short_run(event: EventId, seed: u64) -> String {
    let mut cfg = Config::new(event);
    cfg.seed = seed;
    cfg.epochs = Some(2); // the MLP takes 4 steps per epoch at 512 samples; max_steps cuts at 5
    cfg.train_samples = Some(512);
    cfg.max_steps = Some(5);
    cfg.verbose = false;
    let t = train(&cfg).expect("training runs");
    assert_eq!(t.steps, 5);
    t.package.data_sha256()
}

#[test]
fn same_seed_same_weights_for_every_event() {
    for event in EventId::ALL {
        let a = short_run(event, 7);
        let b = short_run(event, 7);
        assert_eq!(a, b, "{event}: two runs with seed 7 produced different weights");
        let c = short_run(event, 8);
        assert_ne!(a, c, "{event}: seeds 7 and 8 produced identical weights");
    }
}
