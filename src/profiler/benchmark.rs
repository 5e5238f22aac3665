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
    /// Also time each op of the candidate and of the baseline (untimed passes after the comparison,
    /// [`PER_LAYER_SHARE`] of the timing budget each).
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
    /// Samples the entry classifies correctly and the reference does not (0 in entries stored before
    /// it was counted), and ...
    #[serde(default)]
    pub fixed: u64,
    /// ... the other way round: what the entry's lead over the reference is made of
    /// (`scoring::gate::rejection` compares it with the same figures on fresh inputs).
    #[serde(default)]
    pub broken: u64,
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

/// Fraction of the timing budget each side's per-op pass may take (entry and baseline together: 8%,
/// plus at most one forward pass each; the pass runs at least 3 forward passes).
pub const PER_LAYER_SHARE: f64 = 0.04;

pub use super::per_layer::OpTime;

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
    /// Output equivalence and accuracy re-check on the run's fresh check batches.
    pub equivalence: Equivalence,
    /// Every call's output compared with the reference (absent in reports made before it existed).
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Memory figures.
    pub memory: MemoryReport,
    /// Per-op times of the entry, largest first (when asked for, and the entry runs on a kernel table).
    #[serde(default)]
    pub per_layer: Option<Vec<OpTime>>,
    /// Per-op times of the baseline (the reference on the scalar table), from the same input pool.
    #[serde(default)]
    pub baseline_per_layer: Option<Vec<OpTime>>,
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
    /// A new instance of the same code with the same weights and no history, for candidates that keep
    /// state between calls the engine cannot see (contestants' own modules). The run replays some of
    /// its calls, each on its own ([`REPLAY_CALLS`]): an output must depend on the call's input alone.
    fn fresh_instance(&self) -> Option<Result<Box<dyn Candidate>>> {
        None
    }
    /// Whether [`Candidate::fresh_instance`] has one to give (without making it).
    fn keeps_state(&self) -> bool {
        false
    }
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
    /// Fresh samples the entry classifies correctly and the reference does not (see
    /// [`AccuracyReport::fixed`]).
    #[serde(default)]
    pub fixed: u64,
    /// Fresh samples the reference classifies correctly and the entry does not.
    #[serde(default)]
    pub broken: u64,
}

/// Fresh samples for the equivalence check and accuracy re-check.
pub fn fresh_samples(pixels: bool) -> usize {
    if pixels { 2_000 } else { 500 }
}

/// The run's fresh check batches for an event: [`check_batches`] batches of the event's batch size
/// (with their labels) with the same treatment as the timed inputs, every digit a different one
/// ([`fresh::InputStream::distinct`]). The page's
/// profiler delivers them among the timed calls; the native `verify` command evaluates them directly,
/// so both report the same equivalence figures for the same seed.
pub fn check_set(bench: &Benchmark, seed: u64) -> Vec<(OwnedInput, Vec<u8>)> {
    let pixels = matches!(bench.dataset, Dataset::Digits(_));
    let batch = bench.spec.default_batch.max(1);
    let n = check_batches(pixels, batch);
    let mut stream = fresh::InputStream::distinct(pixels, seed, 2, batch, n * batch);
    (0..n).map(|_| stream.next_batch()).collect()
}

/// Samples where only the candidate is right (`fixed`), and where only the reference is (`broken`).
pub fn discordant(reference: &[f32], candidate: &[f32], labels: &[u8], classes: usize) -> (u64, u64) {
    let (rp, cp) = (argmax_rows(reference, classes), argmax_rows(candidate, classes));
    let (mut fixed, mut broken) = (0, 0);
    for ((r, c), &l) in rp.iter().zip(&cp).zip(labels) {
        let (r, c) = (*r == l as usize, *c == l as usize);
        fixed += u64::from(c && !r);
        broken += u64::from(r && !c);
    }
    (fixed, broken)
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
    let (fixed, broken) = discordant(reference, candidate, labels, classes);
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
        fixed,
        broken,
    }
}

/// What the run verified: every call the entry received, checked or timed, compared with the
/// reference's logits for the same inputs (computed outside the timer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// Calls of the entry whose outputs were compared (all of them).
    pub calls: u64,
    /// Of those, calls made inside the timed region (warm-up, calibration and rounds).
    pub timed_calls: u64,
    /// Samples compared.
    pub samples: u64,
    /// Fraction of samples where the entry's prediction equals the reference's.
    pub agreement: f64,
    /// Relative RMS logit error over all compared calls.
    pub rel_rms: f64,
    /// Largest relative RMS error of a single call.
    pub worst_call_rel_rms: f64,
    /// Public-split and fresh check batches delivered.
    #[serde(default)]
    pub checks: u64,
    /// Of those, how many sat inside the timed region (among warm-up, calibration and rounds).
    #[serde(default)]
    pub checks_among_timed_calls: u64,
    /// 1-based call number of the last check batch.
    #[serde(default)]
    pub last_check_call: u64,
    /// The call numbers at which the check batches were delivered, drawn from the run's seed, as
    /// ranges (`2-3,10,14-17`).
    #[serde(default)]
    pub check_calls: String,
    /// Untimed wall time spent computing reference logits and comparing, ms.
    pub verify_ms: f64,
}

/// A verified call fails when its logits break the budget *and* its predictions disagree with the
/// reference's on more than this fraction of its samples (a stale or skipped output does both; an
/// honest low-precision call does neither). This is the rule for every call of an entry whose check
/// batches pass output equivalence (a closed-division candidate); see also [`CALL_REL_FLOOR`] and
/// [`SMALL_CALL_REL_FLOOR`].
pub const CALL_MAX_DISAGREEMENT: f64 = 0.10;
/// ...and a call's error must also exceed this relative RMS to fail. A skipped or stale output is
/// about 1 or more away from the reference's logits (they belong to other inputs; 1.4 for two
/// confident outputs of different classes); an honest call of many samples stays far below.
pub const CALL_REL_FLOOR: f64 = 0.5;
/// The floor for calls of fewer than [`SMALL_CALL_ROWS`] samples (the transformer's batch of 1),
/// where one honest borderline sample that flips can be 0.57 away (a 30%-pruned transformer) and
/// disagreement is all or nothing.
pub const SMALL_CALL_REL_FLOOR: f64 = 1.0;
/// Calls with fewer samples than this use [`SMALL_CALL_REL_FLOOR`].
pub const SMALL_CALL_ROWS: usize = 16;

fn call_rel_floor(rows: usize) -> f64 {
    if rows < SMALL_CALL_ROWS { SMALL_CALL_REL_FLOOR } else { CALL_REL_FLOOR }
}
/// While the run goes on (and for entries whose outputs are far from the reference's anyway, the open
/// division), a call is judged against the entry's own calls so far: it fails when its relative error
/// is over the budget and this many times the entry's median call error...
pub const OUTLIER_REL: f64 = 4.0;
/// ...and its disagreement is over [`CALL_MAX_DISAGREEMENT`] and this many times the entry's
/// disagreement rate so far.
pub const OUTLIER_DISAGREEMENT: f64 = 3.0;
/// How far (percentage points) agreement over all verified calls may fall below the entry's agreement
/// on its check batches before the difference counts as behaving differently when not checked.
pub const CONSISTENCY_MARGIN_PP: f64 = 2.0;
/// Most input bytes the profiler prepares for one sample of the entry. A sample asks for more calls
/// only when calls return far faster than any real forward pass (about 1,300 MLP calls of 64 digits
/// in 10 ms would be 1.8 TFLOP/s on one core): such an entry is skipping its work.
pub const MAX_SAMPLE_INPUT_BYTES: usize = 256 << 20;

/// One verified call, for the strict rule applied at the end.
struct CallRecord {
    place: String,
    rel: f64,
    disagree: usize,
    rows: usize,
}

fn call_failure(place: &str, rel: f64, disagree: usize, rows: usize, budget: &LogitBudget, typical: Option<f64>) -> String {
    format!(
        "output verification failed at {place}: its logits differ from the reference's for the same inputs by {rel:.3} relative RMS (budget {}{}) and its predictions disagree on {disagree} of {rows} samples; an entry must compute every call it receives, checked or timed",
        budget.rel_rms,
        typical.map_or(String::new(), |t| format!("; its typical call so far: {t:.3}"))
    )
}

/// Calls of a candidate with [`Candidate::fresh_instance`] replayed after the run, each as the first
/// call of a fresh instance, picked uniformly among its timed calls by the host's randomness (not the
/// run seed, which the submitter may choose): a kernel that answers some inputs from memory of earlier
/// ones (a re-drawn image it recognizes) gives itself away, because the fresh instance has no memory.
pub const REPLAY_CALLS: usize = 16;
/// Largest relative RMS difference between a call's logits and the fresh instance's for the same
/// input. The same code on the same input is bit-identical; this leaves room for a kernel that picks
/// its summation order at run time (about 1e-7), while an answer from memory of an earlier draw of
/// the image is 1e-3 away even with its contrast corrected exactly (the dither alone), and 0.06–0.08
/// without.
pub const REPLAY_TOLERANCE: f64 = 1e-5;

/// Chance that a call slot of the candidate's timed stream carries the next pending check batch
/// (public split or fresh check set) instead of a plain stream batch.
pub const CHECK_SLOT_PROBABILITY: f64 = 0.25;

/// Where a batch the candidate receives comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// Public held-out batch `i` (its samples `i·batch ..`), padded with fresh samples if short.
    Public(usize),
    /// Fresh check batch `i`.
    Check(usize),
    /// A batch of the timing stream.
    Stream,
}

impl Item {
    /// Which batch it is, for messages.
    fn describe(self) -> String {
        match self {
            Item::Public(i) => format!("public held-out batch {}", i + 1),
            Item::Check(i) => format!("fresh check batch {}", i + 1),
            Item::Stream => "a timing batch".to_string(),
        }
    }
}

/// One delivered call awaiting verification.
struct Made {
    item: Item,
    input: OwnedInput,
    logits: Vec<f32>,
    /// 1-based call number and where it sat.
    call: u64,
    at: String,
    timed: bool,
}

/// The candidate's side of the run: one input source for every call, check batches at seeded
/// positions, and every output verified.
struct CandidateCalls<'a> {
    batch: usize,
    pixels: bool,
    classes: usize,
    seed: u64,
    reference: ModelCandidate<'a>,
    budget: LogitBudget,
    public: &'a Dataset,
    /// Pending check items, in a seeded order.
    items: std::collections::VecDeque<Item>,
    check_inputs: Vec<Option<(OwnedInput, Vec<u8>)>>,
    stream: fresh::InputStream,
    slot_rng: crate::data::rng::SplitMix64,
    queue: std::collections::VecDeque<(Item, OwnedInput, String, bool)>,
    made: Vec<Made>,
    calls: u64,
    // Results.
    public_logits: Vec<Vec<f32>>,
    /// [`AccuracyReport::fixed`] and [`AccuracyReport::broken`] over the public batches so far.
    public_fixed: u64,
    public_broken: u64,
    check_logits: Vec<Vec<f32>>,
    check_ref_logits: Vec<Vec<f32>>,
    check_positions: Vec<u64>,
    checks_timed: u64,
    agree: u64,
    samples: u64,
    timed_calls: u64,
    diff2: f64,
    ref2: f64,
    worst: f64,
    verify_ms: f64,
    failure: Option<String>,
    /// Relative error of every verified call, in order.
    rels: Vec<f64>,
    calls_seen: Vec<CallRecord>,
    /// Calls kept for the replay on fresh instances (`None`: the candidate has none): call number,
    /// where it sat, input and logits, a uniform sample of the timed calls so far.
    replay: Option<Vec<(u64, String, OwnedInput, Vec<f32>)>>,
    replay_rng: crate::data::rng::SplitMix64,
    /// Timed calls offered to the replay so far.
    replay_timed: u64,
}

fn concat_inputs(a: OwnedInput, b: OwnedInput) -> OwnedInput {
    match (a, b) {
        (OwnedInput::Pixels(mut x), OwnedInput::Pixels(y)) => {
            x.extend(y);
            OwnedInput::Pixels(x)
        }
        (OwnedInput::Tokens(mut x), OwnedInput::Tokens(y)) => {
            x.extend(y);
            OwnedInput::Tokens(x)
        }
        (a, _) => a,
    }
}

impl<'a> CandidateCalls<'a> {
    /// The input of one delivered item.
    fn input_of(&mut self, item: Item) -> OwnedInput {
        match item {
            Item::Public(i) => {
                let start = i * self.batch;
                let count = self.batch.min(self.public.len() - start);
                let x = self.public.inputs(start, count);
                // A short last batch is filled with other fresh samples, never a repeat.
                if count < self.batch {
                    concat_inputs(x, self.stream.next_samples(self.batch - count).0)
                } else {
                    x
                }
            }
            Item::Check(i) => self.check_inputs[i].as_ref().map(|(x, _)| x.clone()).expect("check batch drawn"),
            Item::Stream => self.stream.next_batch().0,
        }
    }

    /// Fills the queue with `calls` inputs: during timing each slot carries the next pending check
    /// item with probability [`CHECK_SLOT_PROBABILITY`] (drawn from the run's seed), else a stream
    /// batch; after timing (`timed` false) the pending check items follow one another.
    fn prepare(&mut self, calls: u64, at: String, timed: bool) {
        self.verify_made();
        self.queue.clear();
        let per_call = self.batch * if self.pixels { crate::data::digits::IMAGE_PIXELS * 4 } else { crate::data::sequences::SEQ_LEN * 4 };
        if calls as usize > MAX_SAMPLE_INPUT_BYTES / per_call.max(1) && self.failure.is_none() {
            self.failure = Some(format!(
                "timing asked for {calls} calls in one sample at {at} (run seed {}): the entry's calls return far faster than any real forward pass can, so it is skipping its work",
                self.seed
            ));
            return;
        }
        let p = if timed { CHECK_SLOT_PROBABILITY } else { 1.0 };
        for _ in 0..calls {
            let item = if !self.items.is_empty() && (self.slot_rng.uniform() as f64) < p { self.items.pop_front().unwrap_or(Item::Stream) } else { Item::Stream };
            let x = self.input_of(item);
            self.queue.push_back((item, x, at.clone(), timed));
        }
    }

    fn forward(&mut self, c: &dyn Candidate) -> Result<()> {
        let Some((item, input, at, timed)) = self.queue.pop_front() else {
            return Err(crate::Error::format("profiler", "input queue ran dry (internal error)"));
        };
        self.calls += 1;
        if self.failure.is_some() {
            return Ok(());
        }
        let logits = c.forward(input.as_input(), self.batch)?;
        self.made.push(Made { item, input, logits, call: self.calls, at, timed });
        Ok(())
    }

    /// Compares every call made since the last verification with the reference, untimed.
    fn verify_made(&mut self) {
        let t0 = now_ms();
        let made = std::mem::take(&mut self.made);
        for m in made {
            if self.failure.is_some() {
                break;
            }
            let reference = match self.reference.forward(m.input.as_input(), self.batch) {
                Ok(r) => r,
                Err(e) => {
                    self.failure = Some(format!("the reference could not run call #{}: {e}", m.call));
                    break;
                }
            };
            self.check_call(&m, &reference);
            self.keep_for_replay(&m);
            if m.timed {
                self.timed_calls += 1;
                self.checks_timed += u64::from(m.item != Item::Stream);
            }
            match m.item {
                Item::Public(i) => {
                    let count = self.batch.min(self.public.len() - i * self.batch);
                    let n = count * self.classes;
                    let (f, b) = discordant(&reference[..n], &m.logits[..n], &self.public.labels()[i * self.batch..i * self.batch + count], self.classes);
                    self.public_fixed += f;
                    self.public_broken += b;
                    self.public_logits[i] = m.logits[..n].to_vec();
                    self.check_positions.push(m.call);
                }
                Item::Check(i) => {
                    self.check_logits[i] = m.logits;
                    self.check_ref_logits[i] = reference;
                    self.check_positions.push(m.call);
                }
                Item::Stream => {}
            }
        }
        self.verify_ms += now_ms() - t0;
    }

    fn check_call(&mut self, m: &Made, reference: &[f32]) {
        let classes = self.classes;
        let rows = reference.len() / classes.max(1);
        let finite = m.logits.len() == reference.len() && m.logits.iter().all(|v| v.is_finite());
        let (mut d2, mut r2) = (0.0f64, 0.0f64);
        let mut disagree = 0usize;
        if finite {
            (d2, r2) = square_sums(reference, &m.logits);
            let (rp, cp) = (argmax_rows(reference, classes), argmax_rows(&m.logits, classes));
            disagree = rp.iter().zip(&cp).filter(|(a, b)| a != b).count();
        }
        // The error is relative to the reference's own output scale: this call's logits, or the
        // typical sample's so far when that is larger. A single sample the reference is unsure of has
        // logits near zero, and an honest pruned model's different guess there is not 3× "wrong".
        let typical_r2 = if self.samples > 0 { rows as f64 * self.ref2 / self.samples as f64 } else { 0.0 };
        let rel = if finite { (d2 / r2.max(typical_r2).max(f64::MIN_POSITIVE)).sqrt() } else { f64::INFINITY };
        self.worst = self.worst.max(rel);
        self.samples += rows as u64;
        self.agree += (rows - disagree.min(rows)) as u64;
        self.diff2 += d2;
        self.ref2 += r2;
        let place = format!("call #{} ({}, {}), run seed {}", m.call, m.at, m.item.describe(), self.seed);
        if !finite {
            self.failure = Some(format!("output verification failed at {place}: the entry returned {} logits with non-finite values or the wrong count (expected {})", m.logits.len(), reference.len()));
            return;
        }
        // Streaming rule, against the entry's own behaviour so far: a call whose error and
        // disagreement both stand far above the entry's typical call did not compute this input
        // (the strict rule for entries whose checks pass is applied once the run is over).
        let typical_rel = if self.rels.is_empty() { self.budget.rel_rms / OUTLIER_REL } else { crate::profiler::stats::median(&self.rels) };
        let rate = (self.samples - rows as u64 - (self.agree - (rows - disagree.min(rows)) as u64)) as f64 / (self.samples - rows as u64).max(1) as f64;
        let frac = disagree as f64 / rows.max(1) as f64;
        if rel > self.budget.rel_rms.max(call_rel_floor(rows)).max(OUTLIER_REL * typical_rel) && frac > CALL_MAX_DISAGREEMENT.max(OUTLIER_DISAGREEMENT * rate) {
            self.failure = Some(call_failure(&place, rel, disagree, rows, &self.budget, Some(typical_rel)));
        }
        self.rels.push(rel);
        self.calls_seen.push(CallRecord { place, rel, disagree, rows });
    }

    /// Reservoir sampling over the timed calls (where answering from memory would buy speed; the
    /// public-split and check digits are never repeated): after `n` of them, each is kept with
    /// probability [`REPLAY_CALLS`] / `n`.
    fn keep_for_replay(&mut self, m: &Made) {
        let Some(kept) = self.replay.as_mut() else { return };
        if !m.timed {
            return;
        }
        self.replay_timed += 1;
        let slot = if kept.len() < REPLAY_CALLS {
            kept.len()
        } else {
            let j = self.replay_rng.below(self.replay_timed.min(u32::MAX as u64) as u32) as usize;
            if j >= REPLAY_CALLS {
                return;
            }
            j
        };
        let rec = (m.call, format!("{}, {}", m.at, m.item.describe()), m.input.clone(), m.logits.clone());
        if slot == kept.len() {
            kept.push(rec);
        } else {
            kept[slot] = rec;
        }
    }

    /// Replays each kept call as the first call of its own fresh instance of the candidate (one
    /// instance for all of them would rebuild the same memory when it is handed the same calls in the
    /// same order): the first whose logits differ by more than [`REPLAY_TOLERANCE`] rejects the run.
    fn replay_on(&mut self, candidate: &dyn Candidate) -> Result<()> {
        let t0 = now_ms();
        let mut kept = self.replay.take().unwrap_or_default();
        kept.sort_by_key(|k| k.0);
        for (call, at, input, logits) in &kept {
            let fresh = candidate.fresh_instance().unwrap_or_else(|| Err(crate::Error::format("profiler", "the candidate keeps state but has no fresh instance (internal error)")))?;
            let again = fresh.forward(input.as_input(), self.batch)?;
            let (d2, r2) = square_sums(logits, &again);
            let rel = if again.len() == logits.len() && again.iter().all(|v| v.is_finite()) { (d2 / r2.max(f64::MIN_POSITIVE)).sqrt() } else { f64::INFINITY };
            if rel > REPLAY_TOLERANCE {
                self.failure = Some(format!(
                    "output verification failed at call #{call} ({at}), run seed {}: a fresh instance of the kernel, given the same weights, returns logits {rel:.2e} relative RMS away for the same inputs (tolerance {REPLAY_TOLERANCE:.0e}); a kernel's output must depend only on the call's input and its weights, not on earlier calls (no memory of inputs it has seen)",
                    self.seed
                ));
                break;
            }
        }
        self.verify_ms += now_ms() - t0;
        Ok(())
    }

    /// The strict per-call rule, for an entry whose check batches pass output equivalence: no call
    /// may break the budget while disagreeing on more than [`CALL_MAX_DISAGREEMENT`] of its samples.
    fn strict_failure(&self) -> Option<String> {
        self.calls_seen
            .iter()
            .find(|c| c.rel > self.budget.rel_rms.max(call_rel_floor(c.rows)) && c.disagree as f64 > CALL_MAX_DISAGREEMENT * c.rows as f64)
            .map(|c| call_failure(&c.place, c.rel, c.disagree, c.rows, &self.budget, None))
    }

    /// Delivers the check items the timing did not reach, each verified like every other call.
    /// `tick(left)` after every 16 calls (the page's watchdog reads these as signs of life).
    fn finish(&mut self, c: &dyn Candidate, tick: &mut dyn FnMut(usize)) -> Result<()> {
        while !self.items.is_empty() && self.failure.is_none() {
            tick(self.items.len());
            let n = self.items.len().min(16) as u64;
            // Every call is verified, so telling these from timed calls buys nothing.
            self.prepare(n, "after the timed rounds".into(), false);
            for _ in 0..n {
                self.forward(c)?;
            }
        }
        self.verify_made();
        Ok(())
    }

    fn verification(&self) -> Verification {
        Verification {
            calls: self.calls,
            timed_calls: self.timed_calls,
            samples: self.samples,
            agreement: self.agree as f64 / self.samples.max(1) as f64,
            rel_rms: (self.diff2 / self.ref2.max(f64::MIN_POSITIVE)).sqrt(),
            worst_call_rel_rms: if self.worst.is_finite() { self.worst } else { 1e30 },
            checks: self.check_positions.len() as u64,
            checks_among_timed_calls: self.checks_timed,
            last_check_call: self.check_positions.iter().copied().max().unwrap_or(0),
            check_calls: ranges(&self.check_positions),
            verify_ms: self.verify_ms,
        }
    }
}

/// `(Σ (candidate − reference)², Σ reference²)` over paired logits, the parts of a relative RMS error.
fn square_sums(reference: &[f32], candidate: &[f32]) -> (f64, f64) {
    reference.iter().zip(candidate).fold((0.0, 0.0), |(d2, r2), (&r, &c)| {
        let d = (c - r) as f64;
        (d2 + d * d, r2 + (r as f64) * (r as f64))
    })
}

/// Sorted call numbers as ranges: `[2, 3, 10, 14, 15, 16, 17]` → `2-3,10,14-17`.
fn ranges(calls: &[u64]) -> String {
    let mut v = calls.to_vec();
    v.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if j > i { format!("{}-{}", v[i], v[j]) } else { v[i].to_string() });
        i = j + 1;
    }
    out.join(",")
}

impl Verification {
    /// The call numbers of the check batches ([`Verification::check_calls`] expanded).
    pub fn check_positions(&self) -> Vec<u64> {
        self.check_calls
            .split(',')
            .filter_map(|r| {
                let mut it = r.split('-').map(|x| x.trim().parse::<u64>().ok());
                let a = it.next()??;
                let b = it.next().unwrap_or(Some(a))?;
                Some(a..=b.min(a + 1_000_000))
            })
            .flatten()
            .collect()
    }
}

fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now();
    #[cfg(not(target_arch = "wasm32"))]
    return std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1e3);
}

/// Number of fresh check batches of a run (at least [`fresh_samples`] samples).
pub fn check_batches(pixels: bool, batch: usize) -> usize {
    fresh_samples(pixels).div_ceil(batch.max(1))
}

/// Benchmarks `candidate` against `baseline` (the event's reference on the scalar table).
///
/// Every call the entry receives is a `batch`-sample call from one place: the public held-out
/// batches (for the reported accuracy), the fresh check batches (for output equivalence and the
/// accuracy re-check; drawn from the same generator, with the same shift, contrast and dither, as
/// the timed batches) and the timing stream are merged in an order drawn from the run's seed, so the
/// checks sit among the timed calls and no call count or input statistic separates them. Every
/// call's output — checked or timed — is compared with the reference's logits for the same inputs
/// outside the timer; a call that breaks the rules rejects the run, naming the call and the seed.
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
    let pixels = matches!(baseline.dataset, Dataset::Digits(_));
    let best = kernels::best();

    progress(Progress { phase: "prepare".into(), fraction: 0.02, message: "drawing the run's fresh inputs".into() });
    // The fresh check set: batches of the same stream generator as the timing inputs.
    let check_inputs: Vec<Option<(OwnedInput, Vec<u8>)>> = check_set(baseline, seed).into_iter().map(Some).collect();
    let n_check = check_inputs.len();
    let n_public = baseline.dataset.len().div_ceil(batch);
    let mut items: Vec<Item> = (0..n_public).map(Item::Public).chain((0..n_check).map(Item::Check)).collect();
    let mut order_rng = crate::data::rng::SplitMix64::new(fresh::fresh_seed(seed, 100));
    order_rng.shuffle(&mut items);
    let calls = std::cell::RefCell::new(CandidateCalls {
        batch,
        pixels,
        classes,
        seed,
        reference: ModelCandidate { model: &baseline.model, kernels: &best },
        budget: budget.clone(),
        public: &baseline.dataset,
        items: items.into(),
        check_inputs,
        stream: fresh::InputStream::new(pixels, seed, 1, batch),
        slot_rng: crate::data::rng::SplitMix64::new(fresh::fresh_seed(seed, 101)),
        queue: Default::default(),
        made: Vec::new(),
        calls: 0,
        public_logits: vec![Vec::new(); n_public],
        public_fixed: 0,
        public_broken: 0,
        check_logits: vec![Vec::new(); n_check],
        check_ref_logits: vec![Vec::new(); n_check],
        check_positions: Vec::new(),
        checks_timed: 0,
        agree: 0,
        samples: 0,
        timed_calls: 0,
        diff2: 0.0,
        ref2: 0.0,
        worst: 0.0,
        verify_ms: 0.0,
        failure: None,
        rels: Vec::new(),
        calls_seen: Vec::new(),
        replay: candidate.keeps_state().then(Vec::new),
        replay_timed: 0,
        // Host randomness: which calls are replayed must not follow from the run seed.
        replay_rng: crate::data::rng::SplitMix64::new(crate::data::rng::mix64(crate::data::rng::host_seed() ^ seed)),
    });

    // The baseline side draws from its own never-repeating stream.
    let base_stream = std::cell::RefCell::new(fresh::InputStream::new(pixels, seed, 0, batch));
    let base_queue: std::cell::RefCell<std::collections::VecDeque<OwnedInput>> = Default::default();
    let errors: std::cell::RefCell<Option<crate::Error>> = Default::default();
    let mut prepare = |cand: bool, n: u64, stage: super::competition::Stage| {
        // A failed call or a verification failure ends the run: nothing more is timed.
        if errors.borrow().is_some() || calls.borrow().failure.is_some() {
            return false;
        }
        if cand {
            calls.borrow_mut().prepare(n, stage.to_string(), true);
        } else {
            // Calls waiting for verification are checked before whichever side runs next, so the
            // reference's cache footprint precedes baseline and entry samples alike (rounds start with
            // either side, in a seeded order).
            calls.borrow_mut().verify_made();
            let mut q = base_queue.borrow_mut();
            q.clear();
            let mut s = base_stream.borrow_mut();
            for _ in 0..n {
                q.push_back(s.next_batch().0);
            }
        }
        calls.borrow().failure.is_none()
    };
    let scalar = kernels::scalar();
    let base = ModelCandidate { model: &baseline.model, kernels: &scalar };
    let keep = |r: Result<()>| {
        if let Err(e) = r {
            errors.borrow_mut().get_or_insert(e);
        }
    };
    let mut run_base = || {
        let x = base_queue.borrow_mut().pop_front();
        keep(match x.map(|x| base.forward(x.as_input(), batch)) {
            Some(Ok(l)) => {
                std::hint::black_box(l);
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => Err(crate::Error::format("profiler", "input queue ran dry (internal error)")),
        })
    };
    let mut run_cand = || keep(calls.borrow_mut().forward(candidate));
    let share = if opts.per_layer { 0.7 } else { 0.8 };
    progress(Progress { phase: "timing".into(), fraction: 0.04, message: "timing baseline and entry, interleaved; every output verified".into() });
    let timing = opts.profiler.compare_prepared(clock, &mut run_base, &mut run_cand, &mut prepare, &mut |f| {
        progress(Progress { phase: "timing".into(), fraction: 0.04 + share * f, message: "timing baseline and entry, interleaved; every output verified".into() })
    });
    if let Some(e) = errors.take() {
        return Err(e);
    }
    let mut calls = calls.into_inner();
    if let Some(reason) = calls.failure.take() {
        return Err(crate::Error::Rejected { reason });
    }
    let total = calls.items.len().max(1);
    calls.finish(candidate, &mut |left| {
        progress(Progress { phase: "checks".into(), fraction: 0.05 + share + 0.05 * (1.0 - left as f64 / total as f64), message: format!("check batches: {left} left, every output verified") })
    })?;
    if let Some(reason) = calls.failure.take() {
        return Err(crate::Error::Rejected { reason });
    }
    // Outputs that depend on the calls before them: the kept calls again, on an instance without that history.
    if candidate.keeps_state() {
        progress(Progress { phase: "checks".into(), fraction: 0.05 + share + 0.05, message: format!("replaying {REPLAY_CALLS} calls, each on a fresh instance of the kernel") });
        calls.replay_on(candidate)?;
        if let Some(reason) = calls.failure.take() {
            return Err(crate::Error::Rejected { reason });
        }
    }
    let verification = calls.verification();

    let samples = baseline.dataset.len();
    let logits: Vec<f32> = calls.public_logits.concat();
    let reference = baseline.recorded_correct as f64 / samples as f64;
    let acc = accuracy_of(&logits, baseline.dataset.labels(), classes);
    let accuracy = AccuracyReport { reference, candidate: acc, delta_pp: (acc - reference) * 100.0, samples, fixed: calls.public_fixed, broken: calls.public_broken };
    let check_labels: Vec<u8> = calls.check_inputs.iter().flat_map(|c| c.as_ref().map(|(_, l)| l.clone()).unwrap_or_default()).collect();
    let equivalence = equivalence(&calls.check_ref_logits.concat(), &calls.check_logits.concat(), &check_labels, classes, budget.clone());
    // An entry whose checks pass is held to the strict rule on every call it received.
    if equivalence.passed {
        if let Some(reason) = calls.strict_failure() {
            return Err(crate::Error::Rejected { reason });
        }
    }
    // The checks and the other calls must tell the same story: an entry within its budget on the
    // check batches but clearly worse over every verified call behaves differently when it is not
    // being checked. "Clearly": the two figures are samples of one behaviour, so an honest entry near
    // the limits may pass on one and miss on the other by chance (98.8% over all calls against 99.0%
    // on its checks was seen); it must be over the limit *and* [`CONSISTENCY_MARGIN_PP`] below its
    // own check agreement, or over the budget and twice its own check error.
    let worse_agreement = verification.agreement < MIN_AGREEMENT && (equivalence.agreement - verification.agreement) * 100.0 > CONSISTENCY_MARGIN_PP;
    let worse_error = verification.rel_rms > budget.rel_rms && verification.rel_rms > 2.0 * equivalence.rel_rms;
    if equivalence.passed && (worse_agreement || worse_error) {
        return Err(crate::Error::Rejected {
            reason: format!(
                "output verification failed over the {} calls it received (run seed {seed}): predictions agree with the reference on {:.2}% and logits differ by {:.4} relative RMS (budget {}), while its {} check samples pass; an entry must compute every call the same way",
                verification.calls,
                verification.agreement * 100.0,
                verification.rel_rms,
                budget.rel_rms,
                equivalence.samples
            ),
        });
    }

    // Where the time goes: each op of the entry, then of the baseline, on one input pool, after the
    // comparison and outside it.
    let (per_layer, baseline_per_layer) = match (opts.per_layer, candidate.as_model()) {
        (true, Some((model, k))) => {
            let mut pool_stream = fresh::InputStream::new(pixels, seed, 10, batch);
            let pool: Vec<OwnedInput> = (0..opts.input_pool.max(1)).map(|_| pool_stream.next_batch().0).collect();
            let pass_ms = opts.profiler.budget_ms * PER_LAYER_SHARE;
            progress(Progress { phase: "per_layer".into(), fraction: 0.9, message: "timing each op of the entry".into() });
            let entry = per_layer::op_times(model, k, &pool, batch, pass_ms)?;
            progress(Progress { phase: "per_layer".into(), fraction: 0.95, message: "timing each op of the baseline".into() });
            let base = per_layer::op_times(&baseline.model, &scalar, &pool, batch, pass_ms)?;
            (Some(entry), Some(base))
        }
        _ => (None, None),
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
        verification: Some(verification),
        memory,
        per_layer,
        baseline_per_layer,
        environment,
        elapsed_ms: clock.now_ms() - start,
    })
}
