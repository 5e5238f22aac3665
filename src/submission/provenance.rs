//! Where an entry's figures come from, and whether a re-run reproduces them.
//!
//! A score measured on somebody else's machine can always be edited before it arrives: a signature
//! made in the page proves nothing, because its key ships with the page. So the engine says which
//! figures were measured where ([`Provenance`]), re-derives everything that can be derived when an
//! entry arrives from outside (`Entry::validate`), and lets anyone re-measure a claim with its own
//! seed and get a verdict ([`reproduce`]).
use super::Entry;
use serde::{Deserialize, Serialize};

/// Where an entry's figures were measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// This browser ran it: the entry was made by `submit_entry` here and kept in this browser's store.
    MeasuredHere,
    /// Imported from a file, a share link or a course board: the figures are the submitter's word.
    SelfReported {
        /// Where it came from, in words (`import of results.json`, `share link`, `course board https://…`).
        source: String,
    },
    /// Re-measured by a verifier run (`npm run board:verify`) whose own measurement it now carries.
    Verified {
        /// The verifier run.
        run: VerifierRun,
    },
}

impl Default for Provenance {
    /// An entry that says nothing about its origin is somebody's word.
    fn default() -> Self {
        Provenance::SelfReported { source: "unknown".into() }
    }
}

impl Provenance {
    /// `measured_here`, `self_reported` or `verified`.
    pub fn kind(&self) -> &'static str {
        match self {
            Provenance::MeasuredHere => "measured_here",
            Provenance::SelfReported { .. } => "self_reported",
            Provenance::Verified { .. } => "verified",
        }
    }

    /// True for figures measured by this browser or a verifier run: the only ones ranked as measured.
    pub fn is_measured(&self) -> bool {
        !matches!(self, Provenance::SelfReported { .. })
    }
}

/// A verifier run that re-measured an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifierRun {
    /// Seed of the verifier's run (fresh, not the submitter's).
    pub seed: u64,
    /// Browser engine and major version (`Chromium 156`).
    pub engine: String,
    /// The verifier's user agent.
    pub user_agent: String,
    /// Logical cores of the verifier's machine.
    pub cores: u32,
    /// Engine build id of the verifier's page.
    pub build_id: String,
    /// When, ms since the Unix epoch.
    pub at: f64,
    /// Runs made until two agreed within [`REPRODUCE_TOLERANCE`].
    pub runs: u32,
    /// Spread of the speedups of those runs: max / min − 1.
    pub spread: f64,
    /// The speedup the submitter claimed, when the entry was a claim.
    pub claimed_speedup: Option<f64>,
    /// Whether the claim was reproduced (see [`reproduce`]); `None` when nothing was claimed.
    pub reproduced: Option<bool>,
}

/// Cross-machine tolerance on a speedup: a re-measured speedup reproduces a claim when it lies within
/// the claimed 95% interval widened by this factor both ways ([lo / 1.5, hi × 1.5]). Measured here:
/// three Chromium runs of one package on one busy 2-core machine gave 12.2×, 14.9× and 17.6× (intervals
/// each about ±2%), so run-to-run drift alone reaches 1.45×; different machines with the same browser
/// engine differ by as much again in memory bandwidth and turbo, which 1.5× on each side of the interval
/// covers. Different browser engines differ more (the same package: 20.3× in Firefox, 14.2× in
/// Chromium) and are never compared: the verdict says so.
pub const REPRODUCE_TOLERANCE: f64 = 1.5;

/// Browser engine and major version from a user agent (`Chromium 156`, `Firefox 153`, `Safari 17`,
/// `Edge 120`), or `native` / `unknown`.
pub fn engine_of(user_agent: &str) -> String {
    let version = |key: &str| -> Option<String> {
        let at = user_agent.find(key)? + key.len();
        let v: String = user_agent[at..].chars().take_while(|c| c.is_ascii_digit()).collect();
        (!v.is_empty()).then_some(v)
    };
    if user_agent.starts_with("native") {
        return "native".into();
    }
    if let Some(v) = version("Firefox/") {
        return format!("Firefox {v}");
    }
    if let Some(v) = version("Edg/") {
        return format!("Edge {v}");
    }
    if let Some(v) = version("Chrome/") {
        return format!("Chromium {v}");
    }
    if user_agent.contains("Safari/") {
        if let Some(v) = version("Version/") {
            return format!("Safari {v}");
        }
    }
    "unknown".into()
}

/// The engine family without its version (`Chromium`), for comparing runs.
fn family(engine: &str) -> &str {
    engine.split(' ').next().unwrap_or(engine)
}

/// One line of a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What was compared.
    pub what: String,
    /// Whether it matched.
    pub ok: bool,
    /// The figures, in words.
    pub detail: String,
}

/// Whether a re-run reproduces a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when every check matched.
    pub reproduced: bool,
    /// One sentence for the page: "reproduced: …" or "not reproduced: the link claims 500×, this
    /// browser measured 31×".
    pub summary: String,
    /// The claimed speedup and its interval.
    pub claimed_speedup: f64,
    /// Claimed 95% interval.
    pub claimed_ci: [f64; 2],
    /// The re-measured speedup.
    pub measured_speedup: f64,
    /// The interval the measurement had to fall in.
    pub accepted: [f64; 2],
    /// Engines of the claim and of the re-run.
    pub engines: [String; 2],
    /// Every comparison made.
    pub checks: Vec<Check>,
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// Compares a re-run (`rerun`) with a claim: the same artifact, the same public-split accuracy and
/// division, equivalence figures equal when the re-run used the claim's seed (they are functions of
/// the seed and the model), and the speedup within the claimed interval widened by
/// [`REPRODUCE_TOLERANCE`], on the same browser engine. The claimed interval counts only as far as a
/// stable run's may reach ([`accepted_band`]): an unstable claim's interval can be as wide as its
/// author likes (most rounds honest, a few claiming 200×) and would otherwise accept any re-run.
pub fn reproduce(claim: &Entry, rerun: &Entry) -> Verdict {
    let (c, r) = (&claim.report, &rerun.report);
    let engines = [engine_of(&c.environment.user_agent), engine_of(&r.environment.user_agent)];
    let mut checks = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| checks.push(Check { what: what.into(), ok, detail });
    check("artifact", claim.hash == rerun.hash, format!("claimed {}, re-run {}", &claim.hash[..12.min(claim.hash.len())], &rerun.hash[..12.min(rerun.hash.len())]));
    check(
        "held-out accuracy",
        same(c.accuracy.candidate, r.accuracy.candidate),
        format!("claimed {}, measured {} (the public split does not depend on the seed)", pct(c.accuracy.candidate), pct(r.accuracy.candidate)),
    );
    // With the claim's seed the fresh check batches are the same inputs, so equivalence must repeat
    // exactly; a verifier's fresh seed draws new ones, and only the division must agree.
    if c.seed == r.seed {
        let (ce, re) = (&c.equivalence, &r.equivalence);
        check(
            "output equivalence",
            ce.samples == re.samples && same(ce.agreement, re.agreement) && same(ce.candidate_accuracy, re.candidate_accuracy) && (same(ce.rel_rms, re.rel_rms) || (ce.rel_rms - re.rel_rms).abs() <= 1e-6),
            format!("claimed {} agreement, {:.4} rel. RMS on {} fresh samples; measured {}, {:.4} on {}", pct(ce.agreement), ce.rel_rms, ce.samples, pct(re.agreement), re.rel_rms, re.samples),
        );
    }
    check("division", claim.gate.division == rerun.gate.division, format!("claimed {:?}, measured {:?}", claim.gate.division, rerun.gate.division));
    let [lo, hi] = accepted_band(&c.timing);
    let s = r.timing.speedup;
    let same_engine = family(&engines[0]) == family(&engines[1]);
    check(
        "browser engine",
        same_engine,
        if same_engine { format!("{} and {}", engines[0], engines[1]) } else { format!("claimed in {}, re-run in {}: speedups differ between engines; re-run in {}", engines[0], engines[1], family(&engines[0])) },
    );
    check("speedup", s >= lo && s <= hi, format!("claimed {:.2}× [{:.2}, {:.2}], measured {s:.2}×; accepted {lo:.2}–{hi:.2}× (the interval, at most ±{:.0}% of the claim, widened {REPRODUCE_TOLERANCE}× each way)", c.timing.speedup, c.timing.speedup_ci[0], c.timing.speedup_ci[1], crate::profiler::CompetitionProfiler::default().max_ci_rel_width * 100.0));
    let reproduced = checks.iter().all(|k| k.ok);
    let summary = if reproduced {
        format!("reproduced: the claim says {:.1}×, this browser measured {s:.1}× with the same accuracy and equivalence figures", c.timing.speedup)
    } else {
        let failed: Vec<String> = checks.iter().filter(|k| !k.ok).map(|k| format!("{} ({})", k.what, k.detail)).collect();
        format!("not reproduced: the claim says {:.1}×, this browser measured {s:.1}×; differs in {}", c.timing.speedup, failed.join("; "))
    };
    Verdict { reproduced, summary, claimed_speedup: c.timing.speedup, claimed_ci: c.timing.speedup_ci, measured_speedup: s, accepted: [lo, hi], engines, checks }
}

/// The re-run speedups that reproduce a claim: the claimed 95% interval, clipped to the widest a
/// stable run's can be (`max_ci_rel_width` of the claimed speedup each way, the profiler's stability
/// rule), then widened by [`REPRODUCE_TOLERANCE`] each way. A stable claim's interval lies inside the
/// clip already, so only unstable claims are narrowed.
pub fn accepted_band(t: &crate::profiler::PairedTiming) -> [f64; 2] {
    let w = crate::profiler::CompetitionProfiler::default().max_ci_rel_width;
    let (lo, hi) = (t.speedup_ci[0].max(t.speedup * (1.0 - w)), t.speedup_ci[1].min(t.speedup * (1.0 + w)));
    [lo / REPRODUCE_TOLERANCE, hi * REPRODUCE_TOLERANCE]
}

/// Two runs of one entry agree when their speedups are within this factor of each other
/// (`board:verify` repeats an entry's run until two consecutive runs agree, at most [`MAX_RUNS`]).
pub const RERUN_AGREEMENT: f64 = 1.15;
/// Most runs `board:verify` makes of one entry.
pub const MAX_RUNS: u32 = 4;

/// Whether two runs agree within [`RERUN_AGREEMENT`].
pub fn runs_agree(a: &Entry, b: &Entry) -> bool {
    let (x, y) = (a.report.timing.speedup, b.report.timing.speedup);
    x > 0.0 && y > 0.0 && x.max(y) / x.min(y) <= RERUN_AGREEMENT
}

/// What a verifier run concluded about one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// `verified` (the re-measurement reproduces the claim) or `not_reproduced`.
    pub status: String,
    /// The verifier's own measurement (the chosen run), with the claim's team and texts, marked
    /// [`Provenance::Verified`]: what a verified board ranks.
    pub entry: Entry,
    /// The claim against that measurement.
    pub verdict: Verdict,
    /// Speedup of every run made, in order.
    pub speedups: Vec<f64>,
}

/// The verifier's entry for `claim` from its `runs` (same artifact, fresh seeds, this machine), made
/// at `at` (ms since the epoch): the run with the median speedup among the runs made, marked verified,
/// with the spread of the runs and the verdict on the claim. Refused when no run was made or a run
/// is of another artifact.
pub fn verified_entry(claim: &Entry, runs: &[Entry], at: f64) -> crate::Result<Verification> {
    if runs.is_empty() {
        return Err(crate::Error::format("verification", "no run was made"));
    }
    if let Some(r) = runs.iter().find(|r| r.hash != claim.hash) {
        return Err(crate::Error::format("verification", format!("a run measured artifact {}, the claim is {}", &r.hash[..12.min(r.hash.len())], &claim.hash[..12.min(claim.hash.len())])));
    }
    let speedups: Vec<f64> = runs.iter().map(|r| r.report.timing.speedup).collect();
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| speedups[a].total_cmp(&speedups[b]));
    let chosen = &runs[order[(order.len() - 1) / 2]];
    let (lo, hi) = speedups.iter().fold((f64::INFINITY, 0.0f64), |(l, h), &s| (l.min(s), h.max(s)));
    let verdict = reproduce(claim, chosen);
    let env = &chosen.report.environment;
    let mut entry = chosen.clone();
    entry.team = claim.team.clone();
    entry.description = claim.description.clone();
    entry.url = claim.url.clone();
    entry.package_url = claim.package_url.clone();
    entry.submitted_at = claim.submitted_at;
    entry.provenance = Provenance::Verified {
        run: VerifierRun {
            seed: chosen.report.seed,
            engine: engine_of(&env.user_agent),
            user_agent: env.user_agent.clone(),
            cores: env.hardware_concurrency,
            build_id: env.build_id.clone(),
            at,
            runs: runs.len() as u32,
            spread: if lo > 0.0 { hi / lo - 1.0 } else { 0.0 },
            claimed_speedup: Some(claim.report.timing.speedup),
            reproduced: Some(verdict.reproduced),
        },
    };
    let status = if verdict.reproduced { "verified" } else { "not_reproduced" }.to_string();
    Ok(Verification { status, entry, verdict, speedups })
}
