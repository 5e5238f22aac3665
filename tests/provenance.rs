//! Measured, self-reported or verified: an entry from outside is always somebody's word, its figures
//! must agree with each other (forgeries that contradict themselves are refused, naming the field),
//! and a re-run gives a verdict. Played as a student who edits an export or a share link.
mod support;

use std::sync::OnceLock;
use tinymlperf::submission::share;
use tinymlperf::leaderboard::{export_csv, export_json, merge_json_from, EntryStore, MemoryStore};
use tinymlperf::profiler::{stats, CompetitionProfiler, HostClock};
use tinymlperf::scoring;
use tinymlperf::submission::provenance::{engine_of, reproduce, REPRODUCE_TOLERANCE};
use tinymlperf::submission::{build_recipe, submit_entry, Entry, Provenance, Recipe, Submission};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn entry() -> &'static Entry {
    static E: OnceLock<Entry> = OnceLock::new();
    E.get_or_init(|| {
        let s = Submission { team: "Honest".into(), event: "mlp_sprint".into(), description: String::new(), url: String::new(), package_url: String::new(), budget_s: Some(1.0), seed: Some(77), submitted_at: Some(1.7e12), per_layer: false };
        let bytes = build_recipe(&Recipe { event: tinymlperf::events::EventId::MlpSprint, quantize: true, sparsity: 0.0, kernels: None }).unwrap();
        submit_entry(&HostClock::new().unwrap(), &s, &bytes, &mut |_| {}).unwrap()
    })
}

fn refused(e: &Entry) -> String {
    e.validate().map(|_| "accepted".to_string()).unwrap_or_else(|x| x.to_string())
}

/// Recomputes the scores derived from the speedup and innovation, as a careful forger would.
fn rescore(e: &mut Entry) {
    e.speed_score = scoring::speed_score(e.report.timing.speedup);
    e.composite = scoring::composite(e.speed_score, e.innovation.score);
}

#[test]
fn a_fresh_entry_is_measured_here_and_valid() {
    let e = entry();
    assert_eq!(e.provenance, Provenance::MeasuredHere);
    e.validate().unwrap();
}

#[test]
fn forged_figures_that_contradict_the_measurements_are_refused_naming_the_field() {
    // 300×, scores recomputed so they agree: the medians say otherwise.
    let mut e = entry().clone();
    e.report.timing.speedup = 300.0;
    rescore(&mut e);
    assert!(refused(&e).contains("field report.timing.speedup"), "{}", refused(&e));
    // The interval edited.
    let mut e = entry().clone();
    e.report.timing.speedup_ci = [e.report.timing.speedup * 0.99, e.report.timing.speedup * 1.01];
    assert!(refused(&e).contains("field report.timing.speedup_ci"), "{}", refused(&e));
    // Medians edited without the samples.
    let mut e = entry().clone();
    e.report.timing.candidate.median_ms /= 10.0;
    assert!(refused(&e).contains("field report.timing.candidate.median_ms"), "{}", refused(&e));
    // Every technique's maximum raised to 0.3.
    let mut e = entry().clone();
    for t in &mut e.innovation.techniques {
        t.max_points = 0.3;
    }
    assert!(refused(&e).contains(".max_points"), "{}", refused(&e));
    // Points for a technique not detected.
    let mut e = entry().clone();
    if let Some(t) = e.innovation.techniques.iter_mut().find(|t| !t.detected) {
        t.points = 0.05;
        e.innovation.score += 0.05;
        rescore(&mut e);
        assert!(refused(&e).contains(".points are given for a technique not detected"), "{}", refused(&e));
    }
    // An unstable run marked stable.
    let mut e = entry().clone();
    e.report.timing.unstable = !e.report.timing.unstable;
    assert!(refused(&e).contains("field report.timing.unstable"), "{}", refused(&e));
    // A budget the engine never gives.
    let mut e = entry().clone();
    e.report.equivalence.budget.rel_rms = 5.0;
    assert!(refused(&e).contains("field report.equivalence.budget.rel_rms"), "{}", refused(&e));
}

/// A forgery consistent with itself: every candidate sample divided by 10, everything recomputed.
fn consistent_forgery() -> Entry {
    let mut e = entry().clone();
    let t = &mut e.report.timing;
    for s in &mut t.candidate.samples_ms {
        *s /= 10.0;
    }
    t.candidate.median_ms = stats::median(&t.candidate.samples_ms);
    t.candidate.min_ms /= 10.0;
    t.candidate.p10_ms /= 10.0;
    t.candidate.p90_ms /= 10.0;
    t.candidate.mad_ms /= 10.0;
    t.speedup = t.baseline.median_ms / t.candidate.median_ms;
    let (lo, hi) = stats::bootstrap_speedup_ci(&t.baseline.samples_ms, &t.candidate.samples_ms, t.ci_level, CompetitionProfiler::default().resamples, e.report.seed);
    t.speedup_ci = [lo, hi];
    rescore(&mut e);
    e
}

#[test]
fn a_consistent_forgery_imports_only_as_self_reported_and_a_rerun_says_not_reproduced() {
    let forged = consistent_forgery();
    forged.validate().expect("consistent with itself");
    // Imported, it is somebody's word, whatever it claims.
    let mut store = MemoryStore::default();
    let m = merge_json_from(&mut store, &export_json(std::slice::from_ref(&forged)).unwrap(), Some("results.json")).unwrap();
    assert_eq!(m.added, 1);
    assert_eq!(store.entries()[0].provenance, Provenance::SelfReported { source: "results.json".into() });
    // Its share link too.
    let link = share::encode(&forged).unwrap();
    assert_eq!(share::decode(&link).unwrap().provenance.kind(), "self_reported");
    // The CSV says so.
    let csv = export_csv(&store.entries());
    assert!(csv.lines().next().unwrap().ends_with("provenance,provenance_source,browser_engine"));
    assert!(csv.lines().nth(1).unwrap().contains("self_reported,\"results.json\""), "{csv}");
    // A re-run with its seed measures the real speed: not reproduced, with both figures.
    let v = reproduce(&forged, entry());
    assert!(!v.reproduced);
    assert!(v.summary.starts_with(&format!("not reproduced: the claim says {:.1}×, this browser measured {:.1}×", forged.report.timing.speedup, entry().report.timing.speedup)), "{}", v.summary);
    assert!(v.checks.iter().any(|c| c.what == "speedup" && !c.ok));
    // The honest claim against its own re-measurement is reproduced (a stable run: its interval
    // is the accepted band, widened).
    let mut stable = entry().clone();
    let speedup = stable.report.timing.speedup;
    support::retime(&mut stable, speedup, false);
    let v = reproduce(&stable, &stable);
    assert!(v.reproduced && v.summary.starts_with("reproduced:"), "{}", v.summary);
    assert_eq!(v.accepted, [stable.report.timing.speedup_ci[0] / REPRODUCE_TOLERANCE, stable.report.timing.speedup_ci[1] * REPRODUCE_TOLERANCE]);
    // A re-run of another model is not the same measurement; a re-run with a fresh seed compares
    // the public-split accuracy, the division and the speed, not the seed-dependent equivalence.
    let mut other = entry().clone();
    other.hash = "0".repeat(64);
    assert!(!reproduce(entry(), &other).reproduced);
    let mut fresh = entry().clone();
    fresh.report.seed += 1;
    fresh.report.equivalence.agreement = 0.995;
    let v = reproduce(entry(), &fresh);
    assert!(v.reproduced && !v.checks.iter().any(|c| c.what == "output equivalence"), "{v:?}");
}

/// A claim whose own samples make its interval as wide as the author likes: just over half the rounds
/// at 200× (so the median is fast), the rest at the honest speed. Every figure agrees with the samples,
/// so it imports; the run is unstable. (A fixed share such as 55% left the bootstrap interval's low end
/// far above the honest speed when a busy machine's run had many samples.)
fn bimodal_forgery(claimed: f64) -> Entry {
    let mut e = entry().clone();
    let honest = e.report.timing.speedup;
    let n = e.report.timing.baseline.samples_ms.len();
    let fast = n / 2 + 1;
    let samples = e.report.timing.baseline.samples_ms.iter().enumerate().map(|(i, b)| b / if i < fast { claimed } else { honest }).collect();
    support::set_candidate_samples(&mut e, samples);
    e.team = "Bimodal".into();
    e
}

#[test]
fn an_unstable_claim_with_an_interval_as_wide_as_its_author_likes_is_not_reproduced_by_an_honest_rerun() {
    use tinymlperf::submission::provenance::verified_entry;
    let honest = entry();
    let claim = bimodal_forgery(200.0);
    assert_eq!(refused(&claim), "accepted", "every figure agrees with the samples");
    let t = &claim.report.timing;
    assert!(t.unstable && t.speedup > 100.0, "{:.1}× unstable {}", t.speedup, t.unstable);
    assert!(t.speedup_ci[0] <= honest.report.timing.speedup * 1.5, "the interval reaches down to the honest speed: {:?}", t.speedup_ci);
    // The honest speed lies inside the claimed interval; only the clip keeps it from "reproducing".
    let v = reproduce(&claim, honest);
    assert!(!v.reproduced, "{}", v.summary);
    let speed = v.checks.iter().find(|c| c.what == "speedup").unwrap();
    assert!(!speed.ok && speed.detail.contains("at most ±25% of the claim"), "{}", speed.detail);
    assert!((v.accepted[0] - t.speedup * 0.75 / REPRODUCE_TOLERANCE).abs() < 1e-9 * t.speedup, "{:?}", v.accepted);
    // …nor verified by board:verify.
    let mut run = honest.clone();
    run.report.environment.user_agent = claim.report.environment.user_agent.clone();
    assert_eq!(verified_entry(&claim, &[run], 1.8e12).unwrap().status, "not_reproduced");
    // An honest unstable claim still reproduces against a re-run near its own speedup.
    let noisy = bimodal_forgery(honest.report.timing.speedup * 1.3);
    let mut rerun = honest.clone();
    rerun.report.timing.speedup = noisy.report.timing.speedup;
    assert!(reproduce(&noisy, &rerun).reproduced, "{}", reproduce(&noisy, &rerun).summary);
}

#[test]
fn engines_are_named_from_the_user_agent() {
    assert_eq!(engine_of("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"), "Chromium 156");
    assert_eq!(engine_of("Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"), "Firefox 153");
    assert_eq!(engine_of("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"), "Safari 17");
    assert_eq!(engine_of("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0"), "Edge 120");
    assert_eq!(engine_of("native linux/x86_64"), "native");
    // The same claim re-run in another engine is not comparable.
    let mut ff = entry().clone();
    ff.report.environment.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0".into();
    let mut cr = entry().clone();
    cr.report.environment.user_agent = "Mozilla/5.0 HeadlessChrome/156.0.0.0 Safari/537.36".into();
    let v = reproduce(&cr, &ff);
    assert!(!v.reproduced && v.summary.contains("re-run in Chromium"), "{}", v.summary);
}

#[test]
fn a_verifier_keeps_its_own_median_run_marks_it_verified_and_judges_the_claim() {
    use tinymlperf::submission::provenance::{runs_agree, verified_entry};
    let honest = entry();
    let runs: Vec<Entry> = [0.9, 1.0, 1.3].iter().map(|f| {
        let mut r = honest.clone();
        r.report.timing.speedup *= f;
        r.report.seed = 999;
        r.report.environment.user_agent = "Mozilla/5.0 HeadlessChrome/156.0.0.0 Safari/537.36".into();
        r
    }).collect();
    assert!(runs_agree(&runs[0], &runs[1]) && !runs_agree(&runs[0], &runs[2]));
    let v = verified_entry(honest, &runs, 1.8e12).unwrap();
    assert_eq!(v.entry.report.timing.speedup, runs[1].report.timing.speedup, "the median run");
    assert_eq!(v.speedups.len(), 3);
    let Provenance::Verified { run } = &v.entry.provenance else { panic!("{:?}", v.entry.provenance) };
    assert_eq!((run.seed, run.runs, run.engine.as_str()), (999, 3, "Chromium 156"));
    assert!((run.spread - (1.3 / 0.9 - 1.0)).abs() < 1e-9);
    assert_eq!(v.entry.team, honest.team);
    // The native claim was measured in another "engine": the verdict says so.
    assert_eq!(v.status, "not_reproduced");
    // A forged claim of the same artifact, re-measured in the same engine: not reproduced.
    let mut claim = consistent_forgery();
    claim.report.environment.user_agent = runs[0].report.environment.user_agent.clone();
    let v = verified_entry(&claim, &runs, 1.8e12).unwrap();
    assert_eq!(v.status, "not_reproduced");
    assert!(v.verdict.summary.contains("speedup"), "{}", v.verdict.summary);
    let mut same_engine = honest.clone();
    let speedup = same_engine.report.timing.speedup;
    support::retime(&mut same_engine, speedup, false);
    same_engine.report.environment.user_agent = runs[0].report.environment.user_agent.clone();
    assert_eq!(verified_entry(&same_engine, &runs, 1.8e12).unwrap().status, "verified");
    // Runs of another artifact are refused.
    let mut wrong = runs[0].clone();
    wrong.hash = "1".repeat(64);
    assert!(verified_entry(honest, &[wrong], 0.0).is_err());
}

#[test]
fn self_reported_entries_rank_apart_below_every_measured_one() {
    use tinymlperf::leaderboard::{rank, Board};
    let mut honest = entry().clone();
    support::retime(&mut honest, 10.0, false);
    let mut forged = entry().clone().as_self_reported("results.json");
    support::retime(&mut forged, 100.0, false);
    forged.team = "Forger".into();
    let rows = rank(&[honest.clone(), forged.clone()], tinymlperf::events::EventId::MlpSprint, Board::Speed);
    assert_eq!(rows[0].team, honest.team, "the measured entry leads although the forgery claims 10× more");
    assert_eq!((rows[0].rank, rows[0].provenance.as_str()), (Some(1), "measured_here"));
    assert_eq!((rows[1].team.as_str(), rows[1].rank, rows[1].provenance.as_str()), ("Forger", Some(1), "self_reported"));
    // Where its figures come from is the row's provenance (the page's badge line), not repeated as a note.
    assert_eq!(rows[1].note, None);
    assert_eq!(rows[0].engine, engine_of(&honest.report.environment.user_agent), "the row names the engine that measured it");
}

#[test]
fn self_reported_entries_group_by_browser_engine_with_ranks_restarting() {
    use tinymlperf::events::EventId;
    use tinymlperf::leaderboard::{boards, by_engine, rank, Board};
    let claim = |team: &str, speedup: f64, ua: &str| {
        let mut e = entry().clone().as_self_reported("course.json");
        support::retime(&mut e, speedup, false);
        e.team = team.into();
        e.report.environment.user_agent = ua.into();
        e
    };
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";
    let mut honest = entry().clone();
    support::retime(&mut honest, 10.0, false);
    let mut es = vec![
        honest.clone(),
        claim("Fox A", 30.0, firefox),
        claim("Chrome A", 20.0, chrome),
        claim("Chrome B", 40.0, chrome),
        claim("Fox B", 12.0, firefox),
        claim("Chrome C", 15.0, chrome),
        claim("Chrome A", 18.0, chrome), // Chrome A again, another artifact: its history
        claim("Odd", 50.0, "curl/8"),
    ];
    es[6].hash = "f".repeat(64);
    let groups = by_engine(&es, EventId::MlpSprint, Board::Speed);
    let summary: Vec<(&str, usize, usize)> = groups.iter().map(|g| (g.engine.as_str(), g.entries, g.rows.len())).collect();
    assert_eq!(summary, [("Chromium 156", 4, 3), ("Firefox 153", 2, 2), ("unknown", 1, 1)], "more entries first, unknown last; the measured entry is in none");
    let ranks = |g: usize| groups[g].rows.iter().map(|r| (r.team.clone(), r.rank)).collect::<Vec<_>>();
    assert_eq!(ranks(0), [("Chrome B".to_string(), Some(1)), ("Chrome A".to_string(), Some(2)), ("Chrome C".to_string(), Some(3))]);
    assert_eq!(ranks(1), [("Fox A".to_string(), Some(1)), ("Fox B".to_string(), Some(2))], "ranks restart in every engine's group");
    assert_eq!(groups[0].rows[1].history.len(), 1, "a team's other entries of that engine stay its history");
    assert!(groups.iter().all(|g| g.rows.iter().all(|r| r.engine == g.engine && r.provenance == "self_reported" && r.note.is_none())));
    // The flat board ranks the same self-reported rows all together, after the measured one.
    let flat = rank(&es, EventId::MlpSprint, Board::Speed);
    assert_eq!(flat.len(), 1 + 3 + 2 + 1);
    assert_eq!((flat[0].team.as_str(), flat[1].team.as_str(), flat[1].rank), (honest.team.as_str(), "Odd", Some(1)));
    let b = boards(&es, EventId::MlpSprint);
    assert_eq!(b.self_reported_by_engine.speed, groups);
    assert_eq!(b.self_reported_by_engine.composite.len(), 3);
    assert!(boards(&[honest], EventId::MlpSprint).self_reported_by_engine.speed.is_empty());
}
