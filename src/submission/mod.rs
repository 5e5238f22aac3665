//! Submissions: `submit_entry` runs an entry through the gate, the profiler and the scorer and returns
//! a leaderboard [`Entry`] identified by the SHA-256 of its package.
#[cfg(target_arch = "wasm32")]
pub mod custom;
pub mod entry_model;
pub mod provenance;
pub mod recipe;
pub mod share;
pub mod team;

pub use entry_model::{load_entry, sha256_hex, EntryModel};
pub use provenance::{Provenance, Verdict, VerifierRun};
pub use recipe::{build_recipe, Recipe};

use crate::events::{self, Benchmark, EventId};
use crate::format::{Package, META_RECIPE};
use crate::profiler::benchmark::{benchmark_model, BenchmarkOptions, BenchmarkReport, LogitBudget, ModelCandidate, Progress};
use crate::profiler::Clock;
use crate::scoring::{self, innovation::Artifact, Division, GateResult, Innovation};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Version of the [`Entry`] record.
pub const ENTRY_SCHEMA: u32 = 1;
/// Longest team name, characters.
pub const MAX_TEAM: usize = 64;
/// Longest description, characters.
pub const MAX_DESCRIPTION: usize = 2_000;
/// Longest URL, characters.
pub const MAX_URL: usize = 500;
/// Default timing budget per event, seconds.
pub const DEFAULT_BUDGET_S: f64 = 10.0;

/// What a contestant fills in (the seed's `submit_entry` arguments, minus the model bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// Team name (1–64 characters).
    pub team: String,
    /// Event id.
    pub event: String,
    /// Free-text description of the optimizations.
    #[serde(default)]
    pub description: String,
    /// Source URL (`http(s)://…`) or empty.
    #[serde(default)]
    pub url: String,
    /// Where the package can be downloaded (`http(s)://…`), so others can re-run it; or empty.
    #[serde(default)]
    pub package_url: String,
    /// Timing budget in seconds (default 10, 1..=600).
    #[serde(default)]
    pub budget_s: Option<f64>,
    /// Seed of the run (drawn at run time when absent).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Submission time, ms since the Unix epoch (now when absent).
    #[serde(default)]
    pub submitted_at: Option<f64>,
    /// Also time each op of the entry and of the baseline ("Where the time goes" on the page's result
    /// cards). On when absent: every page run shows it. Entries with their own WebAssembly kernel have
    /// no kernel table to time, so `submit_custom_entry` ignores it.
    #[serde(default = "per_layer_default")]
    pub per_layer: bool,
}

fn per_layer_default() -> bool {
    true
}

/// A scored entry: what leaderboards rank, exports carry and share links reopen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Record version ([`ENTRY_SCHEMA`]).
    pub schema: u32,
    /// Lowercase hex SHA-256 of the package file.
    pub hash: String,
    /// The event.
    pub event: EventId,
    /// Team name.
    pub team: String,
    /// Description as given.
    pub description: String,
    /// Source URL or empty.
    pub url: String,
    /// Download URL of the package or empty.
    #[serde(default)]
    pub package_url: String,
    /// ms since the Unix epoch.
    pub submitted_at: f64,
    /// The model's architecture string.
    pub architecture: String,
    /// Parameters.
    pub params: usize,
    /// Package file size, bytes.
    pub file_bytes: usize,
    /// The accuracy gate's verdict.
    pub gate: GateResult,
    /// The built-in recipe that made the package, if any (for "re-run in my browser").
    pub recipe: Option<Recipe>,
    /// The profiler's report.
    pub report: BenchmarkReport,
    /// The innovation detector's findings.
    pub innovation: Innovation,
    /// The contestant's own WebAssembly kernel, when the entry brought one.
    #[serde(default)]
    pub kernel: Option<crate::format::wasm_module::ModuleReport>,
    /// Where its figures were measured: this browser, somebody's word, or a verifier run. An entry
    /// that arrives from outside (import, share link, course board) is always self-reported, whatever
    /// it says ([`Entry::as_self_reported`]).
    #[serde(default)]
    pub provenance: Provenance,
    /// [`scoring::speed_score`] of the speedup.
    pub speed_score: f64,
    /// [`scoring::composite`].
    pub composite: f64,
}

impl Entry {
    /// The division (from the gate).
    pub fn division(&self) -> Division {
        self.gate.division
    }

    /// Checks an entry from outside (an import or a share link): field limits, finite figures, and
    /// every derived score recomputed from the figures it is derived from, so an edited export cannot
    /// claim a better score than its own measurements give.
    pub fn validate(&self) -> Result<()> {
        let bad = |why: String| Err(Error::format("entry", format!("entry {}: {why}", &self.hash.get(..12).unwrap_or(&self.hash))));
        if self.schema != ENTRY_SCHEMA {
            return bad(format!("schema {} is not {ENTRY_SCHEMA}", self.schema));
        }
        if self.hash.len() != 64 || !self.hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::format("entry", format!("hash '{}' is not 64 lowercase hex digits", self.hash.chars().take(80).collect::<String>())));
        }
        check_text(&self.team, &self.description, &self.url)?;
        check_url(&self.package_url)?;
        let t = &self.report.timing;
        let figures = [t.speedup, t.speedup_ci[0], t.speedup_ci[1], self.report.accuracy.reference, self.report.accuracy.candidate, self.speed_score, self.composite, self.innovation.score, self.submitted_at];
        if figures.iter().any(|x| !x.is_finite()) {
            return bad("a figure is not a finite number".into());
        }
        if !(t.speedup > 0.0) || t.speedup_ci[0] > t.speedup_ci[1] {
            return bad(format!("speedup {} with interval {:?} is not a valid measurement", t.speedup, t.speedup_ci));
        }
        if t.baseline.samples_ms.len() > 10_000 || t.candidate.samples_ms.len() > 10_000 || t.order.len() > 10_000 {
            return bad("too many timing samples".into());
        }
        if self.report.event != self.event.as_str() {
            return bad(format!("report is for '{}', entry for '{}'", self.report.event, self.event));
        }
        if let Some(why) = scoring::disqualified(&self.report) {
            return bad(format!("not a valid competitor: {why}"));
        }
        let g = scoring::gate_report(&self.report);
        if g.division != self.gate.division {
            return bad(format!("division {:?} does not follow from its accuracy and equivalence figures ({})", self.gate.division, g.reason));
        }
        self.check_derived()?;
        let points: f64 = self.innovation.techniques.iter().map(|t| t.points).sum();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
        if self.innovation.techniques.iter().any(|t| !(0.0..=t.max_points + 1e-12).contains(&t.points) || t.max_points > 0.3 + 1e-12) || !close(self.innovation.score, points.min(1.0)) {
            return bad("innovation points do not add up to its score".into());
        }
        if !close(self.speed_score, scoring::speed_score(t.speedup)) || !close(self.composite, scoring::composite(self.speed_score, self.innovation.score)) {
            return bad("scores do not follow from its speedup and innovation".into());
        }
        Ok(())
    }
}

impl Entry {
    /// The same entry marked as somebody's word, from `source` (a verified or "measured here" claim
    /// in a file proves nothing about this browser's measurements).
    pub fn as_self_reported(mut self, source: &str) -> Self {
        self.provenance = Provenance::SelfReported { source: source.chars().take(200).collect() };
        self
    }

    /// Re-derives every figure that follows from the raw measurements the entry carries and refuses
    /// the entry, naming the field, when one contradicts them: the medians from the samples, the
    /// speedup from the medians, the interval from the seeded bootstrap over the paired samples,
    /// `unstable` from the interval's width, accuracy deltas, equivalence from agreement and budget,
    /// and each technique's maximum.
    fn check_derived(&self) -> Result<()> {
        use crate::profiler::stats;
        let field = |name: &str, why: String| Err(Error::format("entry", format!("entry {}: field {name} {why}", self.hash.get(..12).unwrap_or(&self.hash))));
        let close = |a: f64, b: f64| a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12);
        let t = &self.report.timing;
        for (name, side) in [("baseline", &t.baseline), ("candidate", &t.candidate)] {
            if side.samples_ms.len() != t.rounds {
                return field(&format!("report.timing.{name}.samples_ms"), format!("has {} samples for {} rounds", side.samples_ms.len(), t.rounds));
            }
            let m = stats::median(&side.samples_ms);
            if !close(side.median_ms, m) {
                return field(&format!("report.timing.{name}.median_ms"), format!("= {} is not the median of its samples ({m})", side.median_ms));
            }
        }
        let s = t.baseline.median_ms / t.candidate.median_ms;
        if !close(t.speedup, s) {
            return field("report.timing.speedup", format!("= {:.3} does not follow from the medians ({:.4} ms / {:.4} ms = {s:.3})", t.speedup, t.baseline.median_ms, t.candidate.median_ms));
        }
        let (lo, hi) = stats::bootstrap_speedup_ci(&t.baseline.samples_ms, &t.candidate.samples_ms, t.ci_level, crate::profiler::CompetitionProfiler::default().resamples, self.report.seed);
        if !close(t.speedup_ci[0], lo) || !close(t.speedup_ci[1], hi) {
            return field("report.timing.speedup_ci", format!("= [{:.3}, {:.3}] is not the seeded bootstrap interval of its samples ([{lo:.3}, {hi:.3}])", t.speedup_ci[0], t.speedup_ci[1]));
        }
        let limit = crate::profiler::CompetitionProfiler::default().max_ci_rel_width;
        let unstable = !(s.is_finite() && s > 0.0) || !((hi - lo) / s <= limit);
        if t.unstable != unstable {
            return field("report.timing.unstable", format!("= {} contradicts its interval, which spans {:.0}% of the speedup (limit {:.0}%)", t.unstable, (hi - lo) / s * 100.0, limit * 100.0));
        }
        let a = &self.report.accuracy;
        if !close(a.delta_pp, (a.candidate - a.reference) * 100.0) {
            return field("report.accuracy.delta_pp", format!("= {} does not follow from the accuracies", a.delta_pp));
        }
        let eq = &self.report.equivalence;
        const BUDGETS: [f64; 4] = [1e-3, 0.1, 0.25, 0.5];
        if !BUDGETS.iter().any(|b| close(*b, eq.budget.rel_rms)) {
            return field("report.equivalence.budget.rel_rms", format!("= {} is not one of the engine's budgets {BUDGETS:?}", eq.budget.rel_rms));
        }
        let passed = eq.agreement >= crate::profiler::benchmark::MIN_AGREEMENT && eq.rel_rms <= eq.budget.rel_rms;
        if eq.passed != passed {
            return field("report.equivalence.passed", format!("= {} contradicts agreement {:.4} and relative RMS {} under budget {}", eq.passed, eq.agreement, eq.rel_rms, eq.budget.rel_rms));
        }
        for tech in &self.innovation.techniques {
            match scoring::innovation::max_points(&tech.id) {
                Some(m) if close(m, tech.max_points) => {}
                Some(m) => return field(&format!("innovation.{}.max_points", tech.id), format!("= {} but the technique's maximum is {m}", tech.max_points)),
                None => return field("innovation.techniques", format!("names an unknown technique '{}'", tech.id)),
            }
            if tech.points > 0.0 && !tech.detected {
                return field(&format!("innovation.{}.points", tech.id), "are given for a technique not detected".into());
            }
        }
        Ok(())
    }
}

/// Checks the free-text fields.
pub fn check_text(team: &str, description: &str, url: &str) -> Result<()> {
    let team_len = team.trim().chars().count();
    if team_len == 0 || team_len > MAX_TEAM {
        return Err(Error::format("submission", format!("team name must be 1–{MAX_TEAM} characters, got {team_len}")));
    }
    if team.chars().any(char::is_control) {
        return Err(Error::format("submission", "team name contains control characters"));
    }
    // Identity ignores characters drawn as nothing (team::normalize_team): a name of only those
    // would be no name at all.
    if team::normalize_team(team).is_empty() {
        return Err(Error::format("submission", "team name has no visible character"));
    }
    // Bidirectional overrides and isolates would let a name display as another (shown reversed)
    // and break the board's layout around it.
    if team.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')) {
        return Err(Error::format("submission", "team name contains right-to-left or left-to-right override characters; type the name without them"));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(Error::format("submission", format!("description is over {MAX_DESCRIPTION} characters")));
    }
    check_url(url)
}

/// A URL field: empty, or an `http(s)://` address without spaces, at most [`MAX_URL`] characters.
pub fn check_url(url: &str) -> Result<()> {
    let url = url.trim();
    if url.chars().count() > MAX_URL || !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::format("submission", format!("URL must be empty or an http(s):// address without spaces, at most {MAX_URL} characters")));
    }
    Ok(())
}

/// The logit budget of an entry's output-equivalence check, from measured facts only: the reference's
/// own weight values (in any float storage) may differ only by kernel rounding; INT8 kernels actually
/// running the entry's int8 weights, or integer dot products the entry's own module executed
/// (`executed_int_dots`, from the instruction census), get the INT8 budget; weights re-stored in a
/// 16-bit format other than the reference's own (its F16, or bf16/int16) get the half-precision budget;
/// otherwise changed weights get the changed-weights budget. Nothing the package merely declares
/// loosens it.
pub fn logit_budget(e: &EntryModel, reference: &Package, executed_int_dots: bool) -> LogitBudget {
    use crate::format::Dtype;
    let p = &e.package;
    // Every tensor of a loaded package is consumed by the model (unknown tensors are refused).
    let identical = reference.tensors().all(|(n, t)| p.get(n).is_some_and(|m| m.shape == t.shape && m.data == t.data)) && p.tensors().count() == reference.tensors().count();
    let int8_layers = e.model.int8_layers().len();
    let rounded = p.tensors().any(|(n, t)| matches!(t.dtype, Dtype::F16 | Dtype::BF16 | Dtype::I16) && reference.get(n).is_none_or(|r| r.dtype != t.dtype));
    if e.kernels.name == "int8" && int8_layers > 0 {
        LogitBudget { rel_rms: 0.25, basis: format!("INT8 kernels run {int8_layers} layer(s) on int8 weights and quantized activations") }
    } else if executed_int_dots {
        LogitBudget { rel_rms: 0.25, basis: "the entry's kernel executed integer dot products for a large share of the model's multiply-adds".into() }
    } else if identical {
        LogitBudget { rel_rms: 1e-3, basis: "the reference's own weights: only kernel rounding may differ".into() }
    } else if rounded {
        LogitBudget { rel_rms: 0.1, basis: "half-precision weights".into() }
    } else {
        LogitBudget { rel_rms: 0.5, basis: "changed weights (quantized, pruned, retrained or distilled)".into() }
    }
}

thread_local! {
    /// Loaded reference benchmarks (weights parsed, held-out split generated) and packages, per event.
    static REFERENCE: RefCell<HashMap<EventId, Rc<(Benchmark, Package)>>> = RefCell::new(HashMap::new());
}

/// The event's reference benchmark and package, loaded once per thread.
pub fn reference(id: EventId) -> Result<Rc<(Benchmark, Package)>> {
    if let Some(r) = REFERENCE.with(|m| m.borrow().get(&id).cloned()) {
        return Ok(r);
    }
    let b = events::load_benchmark(id)?;
    let (_, p) = events::load_model(id)?;
    let r = Rc::new((b, p));
    REFERENCE.with(|m| m.borrow_mut().insert(id, r.clone()));
    Ok(r)
}

/// A seed for a run: 53 bits (exact as a JS number) from the host's randomness.
pub use crate::data::rng::host_seed as fresh_seed;

/// Now, ms since the Unix epoch.
pub fn now_epoch_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now();
    #[cfg(not(target_arch = "wasm32"))]
    return std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1e3);
}

/// Benchmark options for a submission: the budget and seed applied to the defaults.
pub fn options(budget_s: Option<f64>, seed: u64, per_layer: bool) -> Result<BenchmarkOptions> {
    let budget = budget_s.unwrap_or(DEFAULT_BUDGET_S);
    if !(budget.is_finite() && (1.0..=600.0).contains(&budget)) {
        return Err(Error::format("submission", format!("budget {budget} s must be between 1 and 600 seconds")));
    }
    let mut o = BenchmarkOptions { per_layer, ..BenchmarkOptions::default() };
    o.profiler.budget_ms = budget * 1000.0;
    o.profiler.seed = seed;
    Ok(o)
}

/// What [`inspect_package`] reports before anything runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// Package hash.
    pub hash: String,
    /// Event.
    pub event: EventId,
    /// Architecture string.
    pub architecture: String,
    /// Parameters.
    pub params: usize,
    /// File size, bytes.
    pub file_bytes: usize,
    /// Kernel table it will run on.
    pub kernels: String,
    /// Tensors: name, dtype, shape, share of zeros.
    pub tensors: Vec<(String, String, Vec<usize>, f64)>,
    /// Package metadata.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// What the innovation detector sees (distillation pending the gate).
    pub innovation: Innovation,
}

/// Validates a package for `event` and reports what the scorer will see, without timing anything.
pub fn inspect_package(event: EventId, bytes: &[u8]) -> Result<Inspection> {
    let e = load_entry(event, bytes)?;
    let r = reference(event)?;
    let description = e.package.meta(crate::format::META_DESCRIPTION).unwrap_or("");
    let art = Artifact { package: &e.package, model: &e.model, kernels: &e.kernels, reference: &r.0.model, division: None, description, batch: r.0.spec.default_batch, module: None };
    let innovation = scoring::detect(&art, &r.1);
    let tensors = e
        .package
        .tensors()
        .map(|(n, t)| (n.to_string(), crate::format::dtype_name(t.dtype).to_string(), t.shape.clone(), t.data.iter().filter(|v| **v == 0.0).count() as f64 / t.data.len().max(1) as f64))
        .collect();
    Ok(Inspection {
        hash: e.hash,
        event,
        architecture: e.model.variant(),
        params: e.model.param_count(),
        file_bytes: e.file_bytes,
        kernels: e.kernels.name.into(),
        tensors,
        metadata: e.package.metadata().clone(),
        innovation,
    })
}

/// The seed's `submit_entry(team_name, event_name, model, optimization_description, github_url)`:
/// validates the fields and the package, benchmarks it against the in-browser baseline, applies the
/// accuracy gate and the output-equivalence check, detects innovation and scores it.
pub fn submit_entry(clock: &dyn Clock, s: &Submission, bytes: &[u8], progress: &mut dyn FnMut(Progress)) -> Result<Entry> {
    check_text(&s.team, &s.description, &s.url)?;
    check_url(&s.package_url)?;
    let event: EventId = s.event.parse()?;
    let opts = options(s.budget_s, s.seed.unwrap_or_else(fresh_seed), s.per_layer)?;
    progress(Progress { phase: "load".into(), fraction: 0.0, message: "validating the package".into() });
    let e = load_entry(event, bytes)?;
    let r = reference(event)?;
    let budget = logit_budget(&e, &r.1, false);
    let report = benchmark_model(clock, &ModelCandidate { model: &e.model, kernels: &e.kernels }, &r.0, budget, &opts, progress)?;
    finish(s, event, e.hash.clone(), e.file_bytes, &e, report, None, &r)
}

/// `submit_entry` for an entry that brings its own WebAssembly kernel (`wasm`), optionally with its
/// own weights (`package`; the event's reference weights otherwise). The entry's hash covers both.
/// `check` reads the module ([`custom::Direct`], or the page's kernel reader module).
#[cfg(target_arch = "wasm32")]
pub fn submit_custom_entry(clock: &dyn Clock, s: &Submission, wasm: &[u8], package: Option<&[u8]>, check: &dyn custom::KernelCheck, progress: &mut dyn FnMut(Progress)) -> Result<Entry> {
    check_text(&s.team, &s.description, &s.url)?;
    check_url(&s.package_url)?;
    let event: EventId = s.event.parse()?;
    let opts = options(s.budget_s, s.seed.unwrap_or_else(fresh_seed), false)?;
    progress(Progress { phase: "load".into(), fraction: 0.0, message: "validating the kernel module".into() });
    let module = check.inspect(wasm)?;
    let pkg_bytes = package.unwrap_or(events::weights(event));
    let e = load_entry(event, pkg_bytes)?;
    if e.model.variant() != events::spec(event).architecture {
        return Err(Error::format("WebAssembly kernel", format!("a custom kernel runs the event's own architecture '{}'; the package holds '{}'", events::spec(event).architecture, e.model.variant())));
    }
    let r = reference(event)?;
    // From here on the contestant's code runs: the page's watchdog arms on this phase.
    progress(Progress { phase: "kernel".into(), fraction: 0.01, message: "instantiating the kernel and loading its weights".into() });
    let batch = r.0.spec.default_batch;
    // The census: one checked batch through an instrumented copy counts what the module executes.
    // Its inputs come from the run's own stream generator, like every other call.
    let mut module = module;
    // The counted call comes after 0–7 uncounted ones (drawn from the seed), so a module cannot run
    // showpiece SIMD on "the first call" only. (Its outputs are checked where every call is: in the
    // run itself, on the original module.)
    let mut stream = crate::data::fresh::InputStream::new(matches!(r.0.dataset, crate::models::Dataset::Digits(_)), opts.profiler.seed, 11, batch);
    let warmup: Vec<crate::models::OwnedInput> = (0..crate::data::rng::mix64(opts.profiler.seed ^ 0xce45) % 8).map(|_| stream.next_batch().0).collect();
    let counted = stream.next_batch().0;
    let (executed, _) = custom::execution_census_after(&check.instrument(wasm)?, module.clone(), &e.package, e.model.clone(), batch, &warmup, counted.as_input())?;
    let dots = scoring::innovation::int_dot_share(&executed, &e.model, batch) >= scoring::innovation::MIN_INT_DOT_SHARE;
    module.executed = Some(executed);
    let budget = logit_budget(&e, &r.1, dots);
    let kernel = custom::WasmKernel::instantiate(wasm, module.clone(), &e.package, e.model.clone(), batch)?;
    let report = benchmark_model(clock, &kernel, &r.0, budget, &opts, progress)?;
    let hash = sha256_hex(&[wasm, pkg_bytes].concat());
    finish(s, event, hash, wasm.len() + pkg_bytes.len(), &e, report, Some(module), &r)
}

/// Gate, innovation and scores of a benchmarked entry; [`Error::Rejected`] when it is not a valid
/// competitor ([`scoring::disqualified`]).
#[allow(clippy::too_many_arguments)]
fn finish(s: &Submission, event: EventId, hash: String, file_bytes: usize, e: &EntryModel, report: BenchmarkReport, module: Option<crate::format::wasm_module::ModuleReport>, r: &(Benchmark, Package)) -> Result<Entry> {
    if let Some(reason) = scoring::disqualified(&report) {
        return Err(Error::Rejected { reason });
    }
    let gate = scoring::gate_report(&report);
    let art = Artifact {
        package: &e.package,
        model: &e.model,
        kernels: &e.kernels,
        reference: &r.0.model,
        division: Some(gate.division),
        description: &s.description,
        batch: report.batch,
        module: module.as_ref(),
    };
    let innovation = scoring::detect(&art, &r.1);
    let speed_score = scoring::speed_score(report.timing.speedup);
    let recipe = e.package.meta(META_RECIPE).and_then(|j| serde_json::from_str(j).ok());
    Ok(Entry {
        schema: ENTRY_SCHEMA,
        hash,
        event,
        team: s.team.trim().into(),
        description: s.description.clone(),
        url: s.url.trim().into(),
        package_url: s.package_url.trim().into(),
        submitted_at: s.submitted_at.filter(|t| t.is_finite()).unwrap_or_else(now_epoch_ms),
        architecture: e.model.variant(),
        params: e.model.param_count(),
        file_bytes,
        composite: scoring::composite(speed_score, innovation.score),
        speed_score,
        provenance: Provenance::MeasuredHere,
        gate,
        recipe,
        report,
        innovation,
        kernel: module,
    })
}
