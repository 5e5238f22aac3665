//! `benchmark_model`: one entry against the in-browser baseline (the event's reference weights on the
//! scalar kernel table), on the event's held-out data: accuracy of both sides, interleaved timing with
//! a confidence interval, memory, and the environment.
use super::{per_layer, Clock, CompetitionProfiler, Environment, PairedTiming};
use crate::events::Benchmark;
use crate::kernels::{self, Kernels};
use crate::data::fresh;
use crate::models::{argmax_rows, Dataset, Input, Model, OwnedInput};
use crate::Result;
use serde::{Deserialize, Serialize};

/// Options of one benchmark run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkOptions {
    /// The profiler's knobs (its `budget_ms` covers the timing only).
    pub profiler: CompetitionProfiler,
    /// Input batches the per-op pass rotates through.
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
    /// Accuracy of both sides on the public held-out split.
    pub accuracy: AccuracyReport,
    /// Output equivalence and accuracy re-check on the run's fresh split.
    pub equivalence: Equivalence,
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

/// What is being benchmarked: anything that maps a batch of inputs to logits.
pub trait Candidate {
    /// Logits (`batch × classes`) for one batch.
    fn forward(&self, input: Input<'_>, batch: usize) -> Result<Vec<f32>>;
    /// Name of the kernel table or module, for the report.
    fn kernels_name(&self) -> String;
    /// The model and table, when the candidate is one (for per-op timing).
    fn as_model(&self) -> Option<(&Model, &Kernels)> {
        None
    }
    /// Bytes of weights as stored.
    fn weight_bytes(&self) -> u64;
    /// Peak live activation bytes of one call.
    fn peak_activation_bytes(&self, batch: usize) -> u64;
}

/// A model on a kernel table.
pub struct ModelCandidate<'a> {
    /// The model.
    pub model: &'a Model,
    /// Its kernels.
    pub kernels: &'a Kernels,
}

impl Candidate for ModelCandidate<'_> {
    fn forward(&self, input: Input<'_>, batch: usize) -> Result<Vec<f32>> {
        self.model.forward(self.kernels, input, batch)
    }
    fn kernels_name(&self) -> String {
        self.kernels.name.into()
    }
    fn as_model(&self) -> Option<(&Model, &Kernels)> {
        Some((self.model, self.kernels))
    }
    fn weight_bytes(&self) -> u64 {
        crate::models::weight_bytes(self.model) as u64
    }
    fn peak_activation_bytes(&self, batch: usize) -> u64 {
        self.model.peak_activation_bytes(batch)
    }
}

/// How far an entry's logits may stray from the reference's on fresh inputs: a relative RMS error
/// (‖Δ‖ / ‖reference‖ over all logits) chosen from what the entry declares it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogitBudget {
    /// Largest relative RMS logit error.
    pub rel_rms: f64,
    /// Why this budget, in words.
    pub basis: String,
}

/// Predictions on fresh inputs agree with the reference on at least this fraction (closed division).
pub const MIN_AGREEMENT: f64 = 0.99;

/// The output-equivalence check on the run's fresh split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Equivalence {
    /// Fresh samples compared.
    pub samples: usize,
    /// Fraction of samples where the entry's prediction equals the reference's.
    pub agreement: f64,
    /// Relative RMS logit error.
    pub rel_rms: f64,
    /// Largest absolute logit difference.
    pub max_abs_diff: f64,
    /// The budget it was held to.
    pub budget: LogitBudget,
    /// Reference accuracy on the fresh split.
    pub reference_accuracy: f64,
    /// Entry accuracy on the fresh split.
    pub candidate_accuracy: f64,
    /// Agreement ≥ [`MIN_AGREEMENT`] and error within budget.
    pub passed: bool,
    /// The verdict in words.
    pub reason: String,
}

/// Fresh samples for the equivalence check and accuracy re-check.
pub fn fresh_samples(pixels: bool) -> usize {
    if pixels { 2_000 } else { 500 }
}

/// The run's fresh split for an event.
pub fn fresh_split(bench: &Benchmark, seed: u64) -> Dataset {
    match &bench.dataset {
        Dataset::Digits(_) => Dataset::Digits(fresh::fresh_digits(seed, fresh_samples(true))),
        Dataset::Sequences(_) => Dataset::Sequences(fresh::fresh_sequences(seed, fresh_samples(false))),
    }
}

/// Logits of `c` over all of `data` in calls of `batch` samples; `tick(done, total)` every 16 calls
/// (the page's watchdog reads these as signs of life).
fn all_logits(c: &dyn Candidate, data: &Dataset, batch: usize, tick: &mut dyn FnMut(usize, usize)) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut calls = 0usize;
    while start < data.len() {
        calls += 1;
        if calls.is_multiple_of(16) {
            tick(start, data.len());
        }
        let count = batch.min(data.len() - start);
        let inputs = data.inputs(start, count);
        // Calls are always `batch` samples, as in timing, so a kernel cannot tell checking from timing
        // by the batch size; a short last batch is padded by repeating its first sample.
        let logits = if count == batch {
            c.forward(inputs.as_input(), batch)?
        } else {
            let padded = inputs.padded(batch);
            let mut l = c.forward(padded.as_input(), batch)?;
            l.truncate(l.len() / batch * count);
            l
        };
        out.extend(logits);
        start += count;
    }
    Ok(out)
}

fn accuracy_of(logits: &[f32], labels: &[u8], classes: usize) -> f64 {
    let preds = argmax_rows(logits, classes);
    preds.iter().zip(labels).filter(|(p, &l)| **p == l as usize).count() as f64 / labels.len().max(1) as f64
}

/// Compares the entry's logits with the reference's on the fresh split.
pub fn equivalence(reference: &[f32], candidate: &[f32], labels: &[u8], classes: usize, budget: LogitBudget) -> Equivalence {
    let samples = labels.len();
    let (rp, cp) = (argmax_rows(reference, classes), argmax_rows(candidate, classes));
    let agreement = rp.iter().zip(&cp).filter(|(a, b)| a == b).count() as f64 / samples.max(1) as f64;
    let (mut diff2, mut ref2, mut max_abs) = (0.0f64, 0.0f64, 0.0f64);
    let mut finite = candidate.len() == reference.len();
    for (&r, &c) in reference.iter().zip(candidate) {
        if !c.is_finite() {
            finite = false;
        }
        let d = (c - r) as f64;
        diff2 += d * d;
        ref2 += (r as f64) * (r as f64);
        max_abs = max_abs.max(d.abs());
    }
    let rel_rms = if finite { (diff2 / ref2.max(f64::MIN_POSITIVE)).sqrt() } else { f64::INFINITY };
    let reason = if !finite {
        "the entry returned non-finite logits (NaN or infinity) on fresh inputs".to_string()
    } else if agreement < MIN_AGREEMENT {
        format!("predictions agree with the reference on only {:.1}% of {samples} fresh inputs (needs {:.0}%)", agreement * 100.0, MIN_AGREEMENT * 100.0)
    } else if rel_rms > budget.rel_rms {
        format!("logits differ from the reference by {:.3} relative RMS on fresh inputs, over the budget of {} ({})", rel_rms, budget.rel_rms, budget.basis)
    } else {
        format!("predictions agree on {:.2}% of {samples} fresh inputs; logits within {:.4} relative RMS (budget {}: {})", agreement * 100.0, rel_rms, budget.rel_rms, budget.basis)
    };
    let passed = finite && agreement >= MIN_AGREEMENT && rel_rms <= budget.rel_rms;
    Equivalence {
        samples,
        agreement,
        rel_rms: if rel_rms.is_finite() { rel_rms } else { 1e30 },
        max_abs_diff: if max_abs.is_finite() { max_abs } else { 1e30 },
        reference_accuracy: accuracy_of(reference, labels, classes),
        candidate_accuracy: accuracy_of(candidate, labels, classes),
        budget,
        passed,
        reason,
    }
}

/// Benchmarks `candidate` against `baseline` (the event's reference on the scalar table):
///
/// 1. accuracy on the public held-out split;
/// 2. a fresh split generated from the run's seed: reference (SIMD table) and entry logits, compared
///    for output equivalence under `budget`, and accuracy re-checked on it;
/// 3. interleaved timing on a stream of fresh inputs that never repeats, drawn untimed before each
///    sample; every call the entry receives is a `batch`-sample call, checked or timed alike;
/// 4. memory, and per-op times when asked for and the candidate is a model.
pub fn benchmark_model(
    clock: &dyn Clock,
    candidate: &dyn Candidate,
    baseline: &Benchmark,
    budget: LogitBudget,
    opts: &BenchmarkOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<BenchmarkReport> {
    let start = clock.now_ms();
    let mem0 = linear_memory_bytes();
    let environment = Environment::capture(clock);
    let batch = baseline.spec.default_batch;
    let seed = opts.profiler.seed;
    let classes = baseline.spec.classes;

    progress(Progress { phase: "accuracy".into(), fraction: 0.02, message: format!("accuracy on {} held-out samples", baseline.dataset.len()) });
    let logits = all_logits(candidate, &baseline.dataset, batch, &mut |d, t| {
        progress(Progress { phase: "accuracy".into(), fraction: 0.02 + 0.06 * d as f64 / t as f64, message: format!("accuracy: {d} of {t} held-out samples") })
    })?;
    let samples = baseline.dataset.len();
    let reference = baseline.recorded_correct as f64 / samples as f64;
    let acc = accuracy_of(&logits, baseline.dataset.labels(), classes);
    let accuracy = AccuracyReport { reference, candidate: acc, delta_pp: (acc - reference) * 100.0, samples };

    progress(Progress { phase: "equivalence".into(), fraction: 0.1, message: "output equivalence on fresh inputs".into() });
    let fresh = fresh_split(baseline, seed);
    let best = kernels::best();
    let reference_logits = all_logits(&ModelCandidate { model: &baseline.model, kernels: &best }, &fresh, batch, &mut |_, _| {})?;
    let candidate_logits = all_logits(candidate, &fresh, batch, &mut |d, t| {
        progress(Progress { phase: "equivalence".into(), fraction: 0.1 + 0.02 * d as f64 / t as f64, message: format!("equivalence: {d} of {t} fresh samples") })
    })?;
    let equivalence = equivalence(&reference_logits, &candidate_logits, fresh.labels(), classes, budget);

    // Timing: each side draws from its own never-repeating stream; `prepare` fills the queue of the
    // side about to run with exactly the batches it will consume.
    let pixels = matches!(baseline.dataset, Dataset::Digits(_));
    let streams = std::cell::RefCell::new([fresh::InputStream::new(pixels, seed, 0, batch), fresh::InputStream::new(pixels, seed, 1, batch)]);
    let queues: [std::cell::RefCell<std::collections::VecDeque<OwnedInput>>; 2] = Default::default();
    let mut prepare = |cand: bool, calls: u64| {
        let side = cand as usize;
        let mut q = queues[side].borrow_mut();
        q.clear();
        let mut s = streams.borrow_mut();
        for _ in 0..calls {
            q.push_back(match s[side].next_pixels() {
                Some(p) => OwnedInput::Pixels(p),
                None => OwnedInput::Tokens(s[side].next_tokens().unwrap_or_default()),
            });
        }
    };
    let scalar = kernels::scalar();
    let base = ModelCandidate { model: &baseline.model, kernels: &scalar };
    let errors: std::cell::RefCell<Option<crate::Error>> = Default::default();
    let run = |c: &dyn Candidate, side: usize| {
        let x = queues[side].borrow_mut().pop_front();
        match x.map(|x| c.forward(x.as_input(), batch)) {
            Some(Ok(l)) => {
                std::hint::black_box(l);
            }
            Some(Err(e)) => {
                errors.borrow_mut().get_or_insert(e);
            }
            None => {
                errors.borrow_mut().get_or_insert(crate::Error::format("profiler", "input queue ran dry (internal error)"));
            }
        }
    };
    let (mut run_base, mut run_cand) = (|| run(&base, 0), || run(candidate, 1));
    let share = if opts.per_layer { 0.75 } else { 0.85 };
    let timing = opts.profiler.compare_prepared(clock, &mut run_base, &mut run_cand, &mut prepare, &mut |f| {
        progress(Progress { phase: "timing".into(), fraction: 0.12 + share * f, message: "timing baseline and entry, interleaved".into() })
    });
    if let Some(e) = errors.into_inner() {
        return Err(e);
    }
    let per_layer = match (opts.per_layer, candidate.as_model()) {
        (true, Some((model, k))) => {
            progress(Progress { phase: "per_layer".into(), fraction: 0.9, message: "timing each op".into() });
            let pool: Vec<OwnedInput> = (0..opts.input_pool.max(1)).map(|i| fresh.inputs((i * batch) % fresh.len().max(1), batch).padded(batch)).collect();
            Some(per_layer::op_times(model, k, &pool, batch, (opts.profiler.budget_ms / 8.0).max(50.0))?)
        }
        _ => None,
    };
    let memory = MemoryReport {
        weight_bytes: candidate.weight_bytes(),
        reference_weight_bytes: (baseline.model.param_count() * 4) as u64,
        peak_activation_bytes: candidate.peak_activation_bytes(batch),
        reference_peak_activation_bytes: baseline.model.peak_activation_bytes(batch),
        linear_memory_growth_bytes: linear_memory_bytes().saturating_sub(mem0),
    };
    progress(Progress { phase: "done".into(), fraction: 1.0, message: "done".into() });
    Ok(BenchmarkReport {
        event: baseline.spec.id.as_str().into(),
        kernels: candidate.kernels_name(),
        batch,
        seed,
        timing,
        accuracy,
        equivalence,
        memory,
        per_layer,
        environment,
        elapsed_ms: clock.now_ms() - start,
    })
}
