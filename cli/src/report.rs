//! `inspect` and `verify`: what the innovation detector sees in a package, and the accuracy gate run
//! natively, with the same library code the page runs.
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use tinymlperf::events::EventId;
use tinymlperf::format::{self as fmt, Package};
use tinymlperf::kernels::{self, Kernels};
use tinymlperf::models::{argmax_rows, Dataset, Model, EVAL_BATCH};
use tinymlperf::profiler::benchmark::{check_set, equivalence, AccuracyReport, Equivalence};
use tinymlperf::scoring::{self, innovation::Artifact, Division, GateResult, Innovation};
use tinymlperf::submission::{self, entry_model, Inspection};

/// The kernel table a package asks for (metadata `kernels`, or chosen from its weights as
/// `load_entry` does) — natively the `simd128` table runs its scalar fallback, so the loaded
/// table's name can differ from what the browser will run.
pub fn requested_table(package: &Package, model: &Model) -> String {
    if let Some(k) = package.meta(fmt::META_KERNELS) {
        return k.to_string();
    }
    let mut m = model.clone();
    let layers = m.linears_mut();
    if !model.int8_layers().is_empty() {
        "int8".into()
    } else if layers.iter().any(|(_, l)| l.weight.sparse.is_some()) {
        "sparse".into()
    } else {
        "simd128".into()
    }
}

fn kernels_line(requested: &str, loaded: &Kernels) -> String {
    let linear = loaded.names.iter().find(|(s, _)| *s == "linear").map_or("?", |(_, v)| *v);
    if requested == "simd128" && loaded.name != "simd128" {
        format!("simd128 (the browser runs the SIMD128 kernels; this native build runs the scalar fallback, linear = {linear})")
    } else {
        format!("{requested} (natively: linear = {linear})")
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The innovation block shared by `inspect` and `verify`.
pub fn innovation_text(inn: &Innovation, pending_gate: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "innovation{}", if pending_gate { " (before the gate: distillation is credited only if the package passes it)" } else { "" });
    for t in &inn.techniques {
        let _ = writeln!(s, "  [{}] {:<20} {:.3} / {:.2}", if t.detected { "x" } else { " " }, t.name, t.points, t.max_points);
        for e in &t.evidence {
            let _ = writeln!(s, "        {e}");
        }
    }
    for c in &inn.claimed_not_detected {
        let _ = writeln!(s, "  claimed but not detected: {c}");
    }
    let _ = writeln!(s, "  score {:.3} (sum of points, capped at 1)", inn.score);
    s
}

/// `inspect`: the library's [`submission::inspect_package`] plus the table the browser will run.
pub fn inspect(event: EventId, bytes: &[u8]) -> Result<(Inspection, String)> {
    let ins = submission::inspect_package(event, bytes)?;
    let e = submission::load_entry(event, bytes)?;
    let requested = requested_table(&e.package, &e.model);
    let reference_params = submission::reference(event)?.0.model.param_count();
    let mut s = String::new();
    let _ = writeln!(s, "package   {} bytes, sha256 {}", thousands(ins.file_bytes), ins.hash);
    let _ = writeln!(s, "event     {}", ins.event);
    let _ = writeln!(s, "model     {}, {} parameters ({:.1}% of the reference's {})", ins.architecture, thousands(ins.params), 100.0 * ins.params as f64 / reference_params as f64, thousands(reference_params));
    let _ = writeln!(s, "kernels   {}", kernels_line(&requested, &e.kernels));
    let _ = writeln!(s, "metadata");
    for (k, v) in &ins.metadata {
        let v: String = if v.chars().count() > 100 { v.chars().take(97).chain("...".chars()).collect() } else { v.clone() };
        let _ = writeln!(s, "  {k:<22} {v}");
    }
    let _ = writeln!(s, "tensors");
    let _ = writeln!(s, "  {:<28} {:<5} {:<12} {:>7}", "name", "dtype", "shape", "zeros");
    for (name, dtype, shape, zeros) in &ins.tensors {
        let _ = writeln!(s, "  {:<28} {:<5} {:<12} {:>6.1}%", name, dtype, format!("{shape:?}"), zeros * 100.0);
    }
    s.push_str(&innovation_text(&ins.innovation, true));
    Ok((ins, s))
}

/// Samples in `range` of `data` that `model` classifies correctly, in calls of [`EVAL_BATCH`] (as
/// `models::count_correct` does over a whole set).
fn correct_in(model: &Model, k: &Kernels, data: &Dataset, range: std::ops::Range<usize>) -> tinymlperf::Result<Vec<bool>> {
    let labels = data.labels();
    let mut correct = Vec::with_capacity(range.len());
    let mut start = range.start;
    while start < range.end {
        let count = EVAL_BATCH.min(range.end - start);
        let logits = model.forward(k, data.inputs(start, count).as_input(), count)?;
        let preds = argmax_rows(&logits, model.classes());
        correct.extend(preds.iter().zip(&labels[start..start + count]).map(|(p, &l)| *p == l as usize));
        start += count;
    }
    Ok(correct)
}

/// Result of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// SHA-256 of the package (the entry's identity).
    pub hash: String,
    /// Event.
    pub event: EventId,
    /// Architecture string.
    pub architecture: String,
    /// Parameters.
    pub params: usize,
    /// Kernel table the package asks for.
    pub kernels: String,
    /// Held-out samples classified correctly (entry's kernels, native).
    pub heldout_correct: usize,
    /// Held-out samples.
    pub heldout_total: usize,
    /// `scoring::gate` on the public held-out split.
    pub heldout_gate: GateResult,
    /// Seed of the fresh split.
    pub seed: u64,
    /// Output equivalence and accuracy on the fresh split (the page's second check).
    pub equivalence: Equivalence,
    /// `scoring::gate` on the fresh split.
    pub fresh_gate: GateResult,
    /// The division: closed only when all three checks pass.
    pub division: Division,
    /// Every failed check, in words (empty for the closed division).
    pub failures: Vec<String>,
    /// Why the entry is not a valid competitor at all (`scoring::disqualified`'s rules), if so.
    pub rejected: Option<String>,
    /// The innovation detector, with the gate's division.
    pub innovation: Innovation,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// `verify`: the accuracy gate natively. Loads the entry as the page does (`load_entry`), counts
/// held-out accuracy with the entry's own kernel table (as `models::count_correct`, over two
/// threads), applies `scoring::gate` against the
/// reference's recorded accuracy; then, as the page's gate does, compares the entry's logits with
/// the reference's on the run's fresh check batches for `seed` — the same batches the page's
/// profiler checks (output equivalence, and the same gate on fresh accuracy); then runs the
/// innovation detector with the resulting division.
pub fn verify(event: EventId, bytes: &[u8], seed: u64) -> Result<Verdict> {
    let t0 = std::time::Instant::now();
    let e = submission::load_entry(event, bytes)?;
    let r = submission::reference(event).context("loading the event's reference")?;
    let (bench, reference_package) = (&r.0, &r.1);
    let data = &bench.dataset;
    let batch = bench.spec.default_batch.max(1);
    // The page's fresh check batches for this seed (same generator and treatment as timed inputs).
    let checks = check_set(bench, seed);
    let fresh_labels: Vec<u8> = checks.iter().flat_map(|(_, l)| l.iter().copied()).collect();
    // Two threads with about equal work: this one counts the first part of the held-out split; the
    // other computes the check batches' logits (reference, then entry) and counts the rest.
    let total = data.len();
    let split = total.saturating_sub(fresh_labels.len());
    let (first, rest) = std::thread::scope(|scope| {
        let other = scope.spawn(|| -> tinymlperf::Result<(Vec<f32>, Vec<f32>, Vec<bool>, Vec<bool>)> {
            let logits = |m: &Model, k: &Kernels| -> tinymlperf::Result<Vec<f32>> {
                let mut out = Vec::new();
                for (x, _) in &checks {
                    out.extend(m.forward(k, x.as_input(), batch)?);
                }
                Ok(out)
            };
            let r = logits(&bench.model, &kernels::best())?;
            let c = logits(&e.model, &e.kernels)?;
            // The reference's own answers on the public split, for where the entry's lead comes from.
            let reference_correct = correct_in(&bench.model, &kernels::best(), data, 0..total)?;
            Ok((r, c, correct_in(&e.model, &e.kernels, data, split..total)?, reference_correct))
        });
        (correct_in(&e.model, &e.kernels, data, 0..split), other.join())
    });
    let (ref_logits, cand_logits, rest, reference_correct) = rest.map_err(|_| anyhow::anyhow!("the fresh-split evaluation panicked"))??;
    let entry_correct: Vec<bool> = first?.into_iter().chain(rest).collect();
    let correct = entry_correct.iter().filter(|&&c| c).count();
    let reference = bench.recorded_correct as f64 / total as f64;
    let heldout_gate = scoring::gate(reference, correct as f64 / total as f64);
    let pairs = || entry_correct.iter().zip(&reference_correct);
    let public = AccuracyReport {
        reference,
        candidate: heldout_gate.candidate,
        delta_pp: (heldout_gate.candidate - reference) * 100.0,
        samples: total,
        fixed: pairs().filter(|(e, r)| **e && !**r).count() as u64,
        broken: pairs().filter(|(e, r)| !**e && **r).count() as u64,
    };
    let budget = submission::logit_budget(&e, reference_package, false);
    let eq = equivalence(&ref_logits, &cand_logits, &fresh_labels, bench.spec.classes, budget);
    let fresh_gate = scoring::gate(eq.reference_accuracy, eq.candidate_accuracy);

    // The engine's own verdicts, so `verify` and the browser can never disagree on the rules.
    let combined = scoring::gate::gate_checks(heldout_gate.reference, heldout_gate.candidate, &eq);
    let division = combined.division;
    let failures: Vec<String> = match division {
        Division::Closed => Vec::new(),
        Division::Open => combined.reason.trim_start_matches("open division: ").split("; ").map(str::to_string).collect(),
    };
    let rejected = scoring::gate::rejection(seed, &public, &eq);

    let description = e.package.meta(fmt::META_DESCRIPTION).unwrap_or("");
    let art = Artifact { package: &e.package, model: &e.model, kernels: &e.kernels, reference: &bench.model, division: Some(division), description, batch, module: None };
    let innovation = scoring::detect(&art, reference_package);
    Ok(Verdict {
        hash: e.hash.clone(),
        event,
        architecture: e.model.variant(),
        params: e.model.param_count(),
        kernels: requested_table(&e.package, &e.model),
        heldout_correct: correct,
        heldout_total: total,
        heldout_gate,
        seed,
        equivalence: eq,
        fresh_gate,
        division,
        failures,
        rejected,
        innovation,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "pass"
    } else {
        "FAIL"
    }
}

/// The verdict in words.
pub fn verdict_text(v: &Verdict) -> String {
    let mut s = String::new();
    let reference_params = submission::reference(v.event).map(|r| r.0.model.param_count()).unwrap_or(0);
    let _ = writeln!(s, "package     sha256 {}", v.hash);
    let _ = writeln!(s, "event       {}", v.event);
    let _ = writeln!(s, "model       {}, {} parameters ({:.1}% of the reference)", v.architecture, thousands(v.params), 100.0 * v.params as f64 / reference_params.max(1) as f64);
    let _ = writeln!(s, "kernels     {}", v.kernels);
    let g = &v.heldout_gate;
    let _ = writeln!(
        s,
        "held-out    {} / {} = {:.2}%, reference {:.2}% ({:+.2} pp, limit -{} pp): {}",
        thousands(v.heldout_correct),
        thousands(v.heldout_total),
        g.candidate * 100.0,
        g.reference * 100.0,
        g.delta_pp,
        g.budget_pp,
        pass(g.division == Division::Closed)
    );
    let f = &v.fresh_gate;
    let _ = writeln!(
        s,
        "fresh       {} inputs (seed {}): {:.2}%, reference {:.2}% ({:+.2} pp): {}",
        thousands(v.equivalence.samples),
        v.seed,
        f.candidate * 100.0,
        f.reference * 100.0,
        f.delta_pp,
        pass(f.division == Division::Closed)
    );
    let _ = writeln!(s, "equivalence {}: {}", v.equivalence.reason, pass(v.equivalence.passed));
    match (&v.rejected, v.division) {
        (Some(why), _) => {
            let _ = writeln!(s, "verdict     REJECTED: not a valid competitor in either division: {why}");
        }
        (None, Division::Closed) => {
            let _ = writeln!(s, "verdict     valid, closed division (ranked with the closed entries)");
        }
        (None, Division::Open) => {
            let _ = writeln!(s, "verdict     valid, open division (listed apart, not ranked with closed entries):");
            for f in &v.failures {
                let _ = writeln!(s, "              - {f}");
            }
        }
    }
    s.push_str(&innovation_text(&v.innovation, false));
    let _ = writeln!(s, "checked in {:.1}s", v.seconds);
    s
}

/// Table names this build knows (for messages).
pub fn tables() -> String {
    entry_model::TABLES.join(", ")
}
