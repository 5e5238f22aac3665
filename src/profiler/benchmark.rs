//! `benchmark_model`: one entry against the in-browser baseline (the event's reference weights on the
//! scalar kernel table), on the event's held-out data: accuracy of both sides, interleaved timing with
//! a confidence interval, memory, and the environment.
use super::{per_layer, Clock, CompetitionProfiler, Environment, PairedTiming};
use crate::events::Benchmark;
use crate::kernels::{self, Kernels};
use crate::models::{count_correct, Model, OwnedInput, EVAL_BATCH};
use crate::Result;
use serde::{Deserialize, Serialize};

/// Options of one benchmark run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkOptions {
    /// The profiler's knobs (its `budget_ms` covers the timing only).
    pub profiler: CompetitionProfiler,
    /// Distinct input batches the timing rotates through.
    pub input_pool: usize,
    /// Also time each op of the candidate (a second, shorter pass).
    pub per_layer: bool,
}

impl Default for BenchmarkOptions {
    fn default() -> Self {
        BenchmarkOptions { profiler: CompetitionProfiler::default(), input_pool: 8, per_layer: false }
    }
}

/// Held-out accuracy of both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyReport {
    /// The reference model on the scalar table, as recorded when it was trained (the tests check
    /// the product reproduces it exactly, natively and in wasm).
    pub reference: f64,
    /// The entry with its own kernels.
    pub candidate: f64,
    /// `candidate − reference` in percentage points.
    pub delta_pp: f64,
    /// Held-out samples.
    pub samples: usize,
}

/// Memory figures, bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryReport {
    /// The entry's weights as stored (dtype sizes).
    pub weight_bytes: u64,
    /// The reference weights (all f32).
    pub reference_weight_bytes: u64,
    /// Peak live activations of one timed call (the model's buffer plan).
    pub peak_activation_bytes: u64,
    /// Same for the reference model.
    pub reference_peak_activation_bytes: u64,
    /// Growth of the wasm linear memory during the run (0 natively).
    pub linear_memory_growth_bytes: u64,
}

/// Time per op of the candidate, from the per-layer pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpTime {
    /// Kernel-table slot (`linear`, `conv3x3`, `attention`, ...).
    pub op: String,
    /// The variant that filled it.
    pub variant: String,
    /// Calls per forward pass.
    pub calls: u64,
    /// Mean time per forward pass spent in the op, ms.
    pub ms_per_forward: f64,
    /// Share of the measured op time.
    pub share: f64,
}

/// Everything `benchmark_model` measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkReport {
    /// Event id.
    pub event: String,
    /// Kernel table of the entry.
    pub kernels: String,
    /// Samples per timed call.
    pub batch: usize,
    /// Seed of the round order, input choice and bootstrap.
    pub seed: u64,
    /// Interleaved timing (per-call statistics of each side, speedup and its interval).
    pub timing: PairedTiming,
    /// Accuracy of both sides.
    pub accuracy: AccuracyReport,
    /// Memory figures.
    pub memory: MemoryReport,
    /// Per-op times (when asked for).
    pub per_layer: Option<Vec<OpTime>>,
    /// Where it ran.
    pub environment: Environment,
    /// Wall time of the whole benchmark, ms.
    pub elapsed_ms: f64,
}

/// Bytes of wasm linear memory (0 natively).
pub fn linear_memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size::<0>() as u64 * 65_536;
    #[cfg(not(target_arch = "wasm32"))]
    0
}

/// Progress of a run: which phase and how far, 0..=1 overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// `accuracy`, `timing`, `per_layer`, `done`.
    pub phase: String,
    /// Overall fraction done.
    pub fraction: f64,
    /// A line for the page.
    pub message: String,
}

/// `count` batches of `batch` held-out samples at seeded offsets: the inputs the timing rotates through.
pub fn input_pool(bench: &Benchmark, batch: usize, count: usize, seed: u64) -> Vec<OwnedInput> {
    let mut rng = crate::data::rng::SplitMix64::new(seed ^ 0x696e_7075_7473);
    let n = bench.dataset.len().saturating_sub(batch).max(1) as u32;
    (0..count.max(1)).map(|_| bench.dataset.inputs(rng.below(n) as usize, batch)).collect()
}

/// Benchmarks `model` on `kernels` against `baseline` (the event's reference on the scalar table).
pub fn benchmark_model(
    clock: &dyn Clock,
    model: &Model,
    kernels: &Kernels,
    baseline: &Benchmark,
    opts: &BenchmarkOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<BenchmarkReport> {
    let start = clock.now_ms();
    let mem0 = linear_memory_bytes();
    let environment = Environment::capture(clock);
    let batch = baseline.spec.default_batch;
    let seed = opts.profiler.seed;

    progress(Progress { phase: "accuracy".into(), fraction: 0.02, message: format!("accuracy on {} held-out samples", baseline.dataset.len()) });
    let correct = count_correct(model, kernels, &baseline.dataset, EVAL_BATCH)?;
    let samples = baseline.dataset.len();
    let reference = baseline.recorded_correct as f64 / samples as f64;
    let candidate = correct as f64 / samples as f64;
    let accuracy = AccuracyReport { reference, candidate, delta_pp: (candidate - reference) * 100.0, samples };

    let pool = input_pool(baseline, batch, opts.input_pool, seed);
    // Both sides see the same inputs in the same order; outputs go through black_box so no call is
    // optimized away.
    let (scalar, reference_model) = (kernels::scalar(), &baseline.model);
    let (mut ib, mut ic) = (0usize, 0usize);
    let mut err = None;
    let mut run_base = || {
        let x = &pool[ib % pool.len()];
        ib += 1;
        if let Err(e) = reference_model.forward(&scalar, x.as_input(), batch).map(std::hint::black_box) {
            err.get_or_insert(e);
        }
    };
    let mut cand_err = None;
    let mut run_cand = || {
        let x = &pool[ic % pool.len()];
        ic += 1;
        if let Err(e) = model.forward(kernels, x.as_input(), batch).map(std::hint::black_box) {
            cand_err.get_or_insert(e);
        }
    };
    let share = if opts.per_layer { 0.8 } else { 0.95 };
    let timing = opts.profiler.compare(clock, &mut run_base, &mut run_cand, &mut |f| {
        progress(Progress { phase: "timing".into(), fraction: 0.05 + share * f, message: "timing baseline and entry, interleaved".into() })
    });
    if let Some(e) = err.or(cand_err) {
        return Err(e);
    }
    let per_layer = if opts.per_layer {
        progress(Progress { phase: "per_layer".into(), fraction: 0.9, message: "timing each op".into() });
        Some(per_layer::op_times(model, kernels, &pool, batch, (opts.profiler.budget_ms / 8.0).max(50.0))?)
    } else {
        None
    };
    let memory = MemoryReport {
        weight_bytes: crate::models::weight_bytes(model) as u64,
        reference_weight_bytes: (baseline.model.param_count() * 4) as u64,
        peak_activation_bytes: model.peak_activation_bytes(batch),
        reference_peak_activation_bytes: baseline.model.peak_activation_bytes(batch),
        linear_memory_growth_bytes: linear_memory_bytes().saturating_sub(mem0),
    };
    progress(Progress { phase: "done".into(), fraction: 1.0, message: "done".into() });
    Ok(BenchmarkReport {
        event: baseline.spec.id.as_str().into(),
        kernels: kernels.name.into(),
        batch,
        seed,
        timing,
        accuracy,
        memory,
        per_layer,
        environment,
        elapsed_ms: clock.now_ms() - start,
    })
}
