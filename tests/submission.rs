//! Submissions end to end: packages from outside (Python, crafted, hostile), the innovation detector
//! on crafted artifacts, `submit_entry`, leaderboards, export/import and share links.
mod support;

use std::sync::OnceLock;
use tinymlperf::events::{self, EventId};
use tinymlperf::format::{Dtype, Package};
use tinymlperf::submission::share;
use tinymlperf::leaderboard::{self, store, Board, EntryStore, MemoryStore};
use tinymlperf::profiler::HostClock;
use tinymlperf::scoring::{self, innovation::Artifact, Division};
use tinymlperf::submission::{self, build_recipe, load_entry, submit_entry, Entry, Recipe, Submission};
use tinymlperf::Error;

const PYTHON_FIXTURE: &[u8] = include_bytes!("fixtures/python_mlp_int8_fp16.safetensors");

fn reference_package(id: EventId) -> Package {
    events::load_model(id).unwrap().1
}

fn recipe(quantize: bool, sparsity: f64) -> Vec<u8> {
    build_recipe(&Recipe { event: EventId::MlpSprint, quantize, sparsity, kernels: None }).unwrap()
}

fn with_meta(mut p: Package, key: &str, value: &str) -> Vec<u8> {
    p.set_meta(key, value);
    p.to_bytes().unwrap()
}

fn err_of(r: tinymlperf::Result<impl std::fmt::Debug>) -> String {
    r.expect_err("must be refused").to_string()
}

/// Innovation of a loaded package (before a run), on the given table.
fn innovation_of(bytes: &[u8], description: &str, division: Option<Division>) -> scoring::Innovation {
    let e = load_entry(EventId::MlpSprint, bytes).unwrap();
    let r = submission::reference(EventId::MlpSprint).unwrap();
    let art = Artifact { package: &e.package, model: &e.model, kernels: &e.kernels, reference: &r.0.model, division, description, batch: 64, module: None };
    scoring::detect(&art, &r.1)
}

fn technique<'a>(i: &'a scoring::Innovation, id: &str) -> &'a scoring::Technique {
    i.techniques.iter().find(|t| t.id == id).unwrap()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_dense_fp32_reference_on_scalar_kernels_scores_zero_innovation() {
    let bytes = with_meta(reference_package(EventId::MlpSprint), "kernels", "scalar");
    let i = innovation_of(&bytes, "", Some(Division::Closed));
    assert_eq!(i.score, 0.0, "{i:#?}");
    assert!(i.techniques.iter().all(|t| !t.detected && !t.evidence.is_empty()));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_plus_50_percent_sparse_is_detected_as_both_with_evidence() {
    let bytes = recipe(true, 0.5);
    let i = innovation_of(&bytes, "", Some(Division::Closed));
    let q = technique(&i, "quantization");
    assert!(q.detected && q.points > 0.29, "{q:#?}");
    assert!(q.evidence.iter().any(|l| l.starts_with("int8: 100.0% of weights")), "{:#?}", q.evidence);
    assert!(q.evidence.iter().any(|l| l.contains("so the INT8 kernels run them: fc1, fc2, fc3")), "{:#?}", q.evidence);
    let p = technique(&i, "pruning");
    assert!(p.detected, "{p:#?}");
    // Wanda drops whole input columns for border pixels that are always 0: structured, and reported so.
    assert!(p.evidence.iter().any(|l| l.starts_with("fc1.weight: 50.0% zeros (structured")), "{:#?}", p.evidence);
    assert!(p.evidence[0].contains("49.") || p.evidence[0].contains("50."), "{:#?}", p.evidence);
    let c = technique(&i, "compression");
    assert!(c.detected, "int8 weights are ~4× smaller: {c:#?}");
    assert!(technique(&i, "custom_kernels").evidence.iter().any(|l| l.contains("INT8 kernels run 3 of 3")));
    assert!(i.score > 0.6 && i.score <= 1.0, "{}", i.score);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_description_claiming_pruning_on_a_dense_model_scores_nothing_for_it() {
    let bytes = with_meta(reference_package(EventId::MlpSprint), "kernels", "scalar");
    let i = innovation_of(&bytes, "We pruned 90% of the weights with magnitude pruning and distilled it.", Some(Division::Closed));
    assert_eq!(i.score, 0.0);
    assert!(!technique(&i, "pruning").detected);
    assert!(i.claimed_not_detected.iter().any(|c| c.starts_with("Pruning: the description claims it")), "{:?}", i.claimed_not_detected);
    assert!(i.claimed_not_detected.iter().any(|c| c.starts_with("Distillation")), "{:?}", i.claimed_not_detected);
    // And a true claim is only confirmed, not scored twice.
    let bytes = recipe(false, 0.5);
    let plain = innovation_of(&bytes, "", None).score;
    let claimed = innovation_of(&bytes, "magnitude pruning to 50% sparsity", None);
    assert_eq!(claimed.score, plain);
    assert!(technique(&claimed, "pruning").evidence.last().unwrap().contains("also claimed"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_smaller_student_is_distillation_only_when_it_passes_the_gate() {
    // A 784-64-32-10 student (weights arbitrary: the gate verdict is what the detector reads).
    let mut p = Package::new();
    let mut rng = tinymlperf::data::rng::SplitMix64::new(9);
    for (name, o, i) in [("fc1", 64, 784), ("fc2", 32, 64), ("fc3", 10, 32)] {
        p.insert(format!("{name}.weight"), vec![o, i], (0..o * i).map(|_| rng.normal() * 0.05).collect()).unwrap();
        p.insert(format!("{name}.bias"), vec![o], vec![0.0; o]).unwrap();
    }
    p.set_meta("architecture", "mlp:784-64-32-10/relu");
    let bytes = with_meta(p, "event", "mlp_sprint");
    let closed = innovation_of(&bytes, "", Some(Division::Closed));
    let d = technique(&closed, "distillation");
    assert!(d.detected && d.points > 0.1, "{d:#?}");
    assert!(d.evidence[0].contains("mlp:784-64-32-10/relu has 52650 parameters"), "{:#?}", d.evidence);
    assert!(technique(&closed, "memory").detected, "narrower layers need fewer activation bytes");
    let open = innovation_of(&bytes, "", Some(Division::Open));
    assert!(!technique(&open, "distillation").detected);
    // The architecture tag must match the weights.
    let mut q = Package::parse(&bytes).unwrap();
    q.set_meta("architecture", "mlp:784-128-64-10/relu");
    assert!(err_of(load_entry(EventId::MlpSprint, &q.to_bytes().unwrap())).contains("the weights make 'mlp:784-64-32-10/relu'"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_package_written_by_python_safetensors_loads_and_keeps_its_dtypes() {
    let e = load_entry(EventId::MlpSprint, PYTHON_FIXTURE).unwrap();
    assert_eq!(e.package.get("fc1.weight").unwrap().dtype, Dtype::I8);
    assert_eq!(e.package.get("fc2.weight").unwrap().dtype, Dtype::F16);
    assert_eq!(e.package.meta("format_version"), None, "written by Python, no version key");
    let acc = tinymlperf::models::accuracy(&e.model, &e.kernels, &events::heldout(EventId::MlpSprint)).unwrap();
    assert!(acc > 0.975, "dequantized int8/fp16 weights keep the accuracy: {acc}");
    let i = innovation_of(PYTHON_FIXTURE, "fc1 int8", Some(Division::Closed));
    let q = technique(&i, "quantization");
    assert!(q.detected, "{q:#?}");
    assert!(q.evidence.iter().any(|l| l.starts_with("int8: 91.9% of weights (100352 of 109184 values) in fc1.weight")), "{:#?}", q.evidence);
    // The reference weights are stored fp16 themselves: fp16 storage is no quantization.
    assert!(q.evidence.iter().any(|l| l.starts_with("fp16: 7.5% of weights in fc2.weight, no narrower than the reference's own storage")), "{:#?}", q.evidence);
    assert!((q.points - 0.30 * 100352.0 / 109184.0).abs() < 1e-9, "int8 alone earns: {}", q.points);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hostile_and_wrong_packages_are_refused_with_clear_messages() {
    let mlp = reference_package(EventId::MlpSprint);
    let good = mlp.to_bytes().unwrap();
    let cnn = events::weights(EventId::CnnMarathon);
    assert!(err_of(load_entry(EventId::MlpSprint, cnn)).contains("this package is for event 'cnn_marathon', not 'mlp_sprint'"));
    let mut other = mlp.clone();
    other.metadata_mut().remove("event");
    assert!(err_of(load_entry(EventId::MlpSprint, &other.to_bytes().unwrap())).contains("add event=mlp_sprint"));
    assert!(err_of(load_entry(EventId::MlpSprint, &with_meta(mlp.clone(), "architecture", "resnet50"))).contains("unknown architecture 'resnet50'"));
    assert!(err_of(load_entry(EventId::MlpSprint, &with_meta(mlp.clone(), "kernels", "turbo"))).contains("unknown kernel table 'turbo'; known: scalar, simd128, int8, sparse"));
    // A CNN package relabelled as an MLP event entry: architecture family check.
    let mut relabel = Package::parse(cnn).unwrap();
    relabel.set_meta("event", "mlp_sprint");
    assert!(err_of(load_entry(EventId::MlpSprint, &relabel.to_bytes().unwrap())).contains("mlp_sprint takes a model like 'mlp:784-128-64-10/relu'"));
    // Shape mismatch: fc2 expects 128 inputs.
    let mut bad = mlp.clone();
    bad.insert("fc2.weight", vec![64, 127], vec![0.0; 64 * 127]).unwrap();
    assert!(err_of(load_entry(EventId::MlpSprint, &bad.to_bytes().unwrap())).contains("fc2.weight': expected shape [64, 128], file has [64, 127]"));
    // NaN weight (the hash is recomputed by to_bytes, so only the finiteness check can catch it).
    let n = good.len();
    let mut nan = good.clone();
    nan[n - 8..n - 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let msg = err_of(load_entry(EventId::MlpSprint, &nan));
    assert!(msg.contains("non-finite value in tensor"), "{msg}");
    // Header length absurd, truncated file, oversize file.
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(err_of(load_entry(EventId::MlpSprint, &huge)).contains("header length"));
    assert!(err_of(load_entry(EventId::MlpSprint, &good[..n - 100])).contains("truncated"));
    let big = vec![0u8; tinymlperf::format::MAX_PACKAGE_BYTES + 1];
    assert!(matches!(load_entry(EventId::MlpSprint, &big), Err(Error::Limit { .. })));
    // An INT8 weight without its scales, and with a bad scale.
    let mut q = Package::parse(&recipe(true, 0.0)).unwrap();
    q.remove("fc1.weight_scale");
    assert!(err_of(load_entry(EventId::MlpSprint, &q.to_bytes().unwrap())).contains("missing tensor 'fc1.weight_scale'"));
    let mut q = Package::parse(&recipe(true, 0.0)).unwrap();
    q.insert("fc2.weight_scale", vec![64], vec![0.0; 64]).unwrap();
    assert!(err_of(load_entry(EventId::MlpSprint, &q.to_bytes().unwrap())).contains("fc2.weight_scale[0] = 0 must be positive"));
}

/// One real entry (INT8 recipe, short budget), shared by the tests below.
fn entry() -> &'static Entry {
    static E: OnceLock<Entry> = OnceLock::new();
    E.get_or_init(|| {
        let s = Submission {
            team: "Team Int8".into(),
            event: "mlp_sprint".into(),
            description: "INT8 quantization".into(),
            url: "https://github.com/example/entry".into(),
            package_url: String::new(),
            budget_s: Some(1.0),
            seed: Some(1234),
            submitted_at: Some(1.7e12),
            per_layer: true,
        };
        let clock = HostClock::new().unwrap();
        let mut phases = Vec::new();
        let e = submit_entry(&clock, &s, &recipe(true, 0.0), &mut |p| phases.push(p.phase)).unwrap();
        assert_eq!(phases.first().map(String::as_str), Some("load"));
        assert_eq!(phases.last().map(String::as_str), Some("done"));
        e
    })
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn submit_entry_gates_times_and_scores_a_recipe_entry() {
    let e = entry();
    e.validate().unwrap();
    assert_eq!(e.hash, submission::sha256_hex(&recipe(true, 0.0)), "the hash identifies the package");
    assert_eq!(e.division(), Division::Closed, "{}", e.gate.reason);
    assert!(e.report.accuracy.candidate > 0.975 && e.report.accuracy.samples == 10_000);
    assert_eq!(e.report.accuracy.reference, 0.9809);
    let t = &e.report.timing;
    assert!(t.rounds >= 7 && t.speedup > 0.0 && t.speedup_ci[0] <= t.speedup && t.speedup <= t.speedup_ci[1], "{t:#?}");
    assert_eq!(e.report.seed, 1234);
    assert_eq!(e.report.kernels, "int8");
    assert!(technique(&e.innovation, "quantization").detected);
    assert_eq!(e.speed_score, scoring::speed_score(t.speedup));
    assert_eq!(e.composite, scoring::composite(e.speed_score, e.innovation.score));
    let m = &e.report.memory;
    assert_eq!(m.reference_weight_bytes, 109_386 * 4);
    assert!(m.weight_bytes < m.reference_weight_bytes / 3, "{m:?}");
    assert_eq!(m.reference_peak_activation_bytes, (784 + 128) * 64 * 4);
    let ops = e.report.per_layer.as_ref().expect("per-layer mode was asked for");
    assert_eq!(ops[0].op, "linear");
    assert_eq!(ops[0].calls, 3, "three dense layers per forward pass");
    assert!((ops.iter().map(|o| o.share).sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(e.recipe.as_ref().unwrap().quantize);
    assert!(e.report.environment.build_id.starts_with("0.1.0"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_honest_int8_entry_passes_the_fresh_input_checks_and_reports_them() {
    let e = entry();
    let eq = &e.report.equivalence;
    assert!(eq.passed, "{}", eq.reason);
    assert_eq!(eq.samples, 2_048, "32 fresh check batches of 64");
    assert!(eq.agreement >= 0.99 && eq.rel_rms <= eq.budget.rel_rms && eq.budget.rel_rms == 0.25, "{eq:?}");
    assert!((eq.candidate_accuracy - eq.reference_accuracy).abs() < 0.01, "{eq:?}");
    assert!(e.gate.reason.contains("fresh inputs") && e.gate.reason.contains("predictions agree on"), "{}", e.gate.reason);
    assert_eq!(e.report.seed, 1234);
    // The seed travels with the entry: in the export and in the share link.
    assert!(store::export_json(std::slice::from_ref(e)).unwrap().contains("\"seed\": 1234"));
    assert_eq!(share::decode(&share::encode(e).unwrap()).unwrap().report.seed, 1234);
    assert!(scoring::disqualified(&e.report).is_none());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn memorizers_and_broken_entries_are_disqualified_with_figures() {
    // The shared entry's report, edited the way a public-split memorizer's would look.
    let mut r = entry().report.clone();
    r.accuracy.candidate = 1.0;
    r.equivalence.candidate_accuracy = 0.11;
    let why = scoring::disqualified(&r).unwrap();
    assert!(why.contains("better on the public test split than on fresh inputs") && why.contains("run seed 1234"), "{why}");
    let mut r = entry().report.clone();
    r.accuracy.candidate = 0.80;
    r.equivalence.candidate_accuracy = 0.80;
    assert!(scoring::disqualified(&r).unwrap().contains("below the reference's"));
    // An exported entry edited to hide a disqualification does not import.
    let mut e = entry().clone();
    e.report.equivalence.candidate_accuracy = 0.2;
    assert!(e.validate().unwrap_err().to_string().contains("not a valid competitor"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn submission_fields_are_checked() {
    let clock = HostClock::new().unwrap();
    let base = Submission { team: "t".into(), event: "mlp_sprint".into(), description: String::new(), url: String::new(), package_url: String::new(), budget_s: Some(1.0), seed: Some(1), submitted_at: None, per_layer: false };
    let bytes = recipe(false, 0.0);
    for (s, want) in [
        (Submission { team: "  ".into(), ..base.clone() }, "team name must be 1–64 characters"),
        (Submission { url: "javascript:alert(1)".into(), ..base.clone() }, "http(s)://"),
        (Submission { event: "mlp_marathon".into(), ..base.clone() }, "unknown event 'mlp_marathon'"),
        (Submission { budget_s: Some(0.0), ..base.clone() }, "between 1 and 600 seconds"),
        (Submission { team: "Team \u{202E}ecnarf".into(), ..base.clone() }, "override characters"),
    ] {
        let msg = err_of(submit_entry(&clock, &s, &bytes, &mut |_| {}));
        assert!(msg.contains(want), "{msg}");
    }
}

/// A copy of the shared entry with another identity and figures; scores recomputed so it validates.
fn variant(team: &str, hash_byte: char, speedup: f64, unstable: bool, accuracy: f64, t: f64) -> Entry {
    let mut e = entry().clone();
    e.team = team.into();
    e.hash = hash_byte.to_string().repeat(64);
    e.submitted_at = t;
    e.report.accuracy.candidate = accuracy;
    e.report.accuracy.delta_pp = (accuracy - e.report.accuracy.reference) * 100.0;
    e.report.equivalence.candidate_accuracy = e.report.equivalence.reference_accuracy;
    support::retime(&mut e, speedup, unstable);
    e.validate().unwrap();
    e
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn boards_rank_with_ties_and_keep_unstable_and_open_entries_apart() {
    let es = vec![
        variant("slow", 'a', 4.0, false, 0.98, 1.0),
        variant("fast", 'b', 20.0, false, 0.98, 2.0),
        variant("tie-early", 'c', 10.0, false, 0.98, 3.0),
        variant("tie-late", 'd', 10.001, false, 0.98, 4.0),
        variant("wobbly", 'e', 50.0, true, 0.98, 5.0),
        variant("lossy", 'f', 40.0, false, 0.90, 6.0),
    ];
    let rows = leaderboard::rank(&es, EventId::MlpSprint, Board::Speed);
    let view: Vec<(Option<usize>, &str, bool)> = rows.iter().map(|r| (r.rank, r.team.as_str(), r.tied)).collect();
    assert_eq!(view, vec![
        (Some(1), "fast", false),
        (Some(2), "tie-early", true),
        (Some(2), "tie-late", true),
        (Some(4), "slow", false),
        (Some(1), "lossy", false),
        (None, "wobbly", false),
    ]);
    assert_eq!(rows[4].division, Division::Open);
    assert!(rows[4].note.as_ref().unwrap().starts_with("open division"));
    assert!(rows[5].note.as_ref().unwrap().contains("not ranked"));
    assert_eq!(rows[0].ci, Some(es[1].report.timing.speedup_ci), "the interval the samples give");
    // The innovation board does not depend on timing: equal innovation, all closed ones tie.
    let inn = leaderboard::rank(&es, EventId::MlpSprint, Board::Innovation);
    assert!(inn.iter().filter(|r| r.division == Division::Closed).all(|r| r.rank == Some(1) && r.tied));
    let b = leaderboard::boards(&es, EventId::MlpSprint);
    assert_eq!(b.composite[0].team, "fast");
    // All variants share accuracy (bar "lossy") and size; latency follows the speedup, so the fastest
    // entry at the top accuracy is on the front and the slower ones at that accuracy are not.
    let fastest = es[..5].iter().max_by(|x, y| x.report.timing.speedup.total_cmp(&y.report.timing.speedup)).unwrap();
    assert!(b.pareto.contains(&fastest.hash), "{:?}", b.pareto);
    for slow in ['a', 'c', 'd'] {
        assert!(!b.pareto.contains(&slow.to_string().repeat(64)), "{:?}", b.pareto);
    }
    assert!(leaderboard::boards(&es, EventId::CnnMarathon).speed.is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn export_then_import_loses_nothing_and_a_bad_file_changes_nothing() {
    let es = vec![variant("a", 'a', 4.0, false, 0.98, 1.0), variant("b", 'b', 8.0, false, 0.98, 2.0)];
    let text = store::export_json(&es).unwrap();
    let mut s = MemoryStore::default();
    s.insert(es[0].clone());
    let m = store::merge_json(&mut s, &text).unwrap();
    assert_eq!((m.added, m.duplicates), (1, 1));
    assert_eq!(s.entries(), es);
    // Importing again adds nothing and drops nothing.
    assert_eq!(store::merge_json(&mut s, &text).unwrap().added, 0);
    assert_eq!(s.entries().len(), 2);
    // Bad files: not JSON, wrong schema, an edited score, a malformed entry, one bad among good ones.
    let mut edited = variant("c", 'c', 4.0, false, 0.98, 3.0);
    edited.composite = 0.99;
    let mut bad_hash = variant("d", 'd', 4.0, false, 0.98, 4.0);
    bad_hash.hash = "XYZ".into();
    let good_new = variant("e", 'e', 4.0, false, 0.98, 5.0);
    for (bad, want) in [
        ("{not json".to_string(), "not JSON"),
        (r#"{"schema":"other","version":1,"entries":[]}"#.to_string(), "not a TinyMLPerf export"),
        (store::export_json(&[good_new.clone(), edited]).unwrap(), "scores do not follow"),
        (store::export_json(&[bad_hash]).unwrap(), "not 64 lowercase hex"),
        (r#"[{"schema":1}]"#.to_string(), "malformed"),
    ] {
        let before = s.entries();
        let msg = err_of(store::merge_json(&mut s, &bad));
        assert!(msg.contains(want), "{want}: {msg}");
        assert_eq!(s.entries(), before, "a bad import must not change the store");
    }
    // CSV: a header and one line per entry; formulas in text fields are neutralized.
    let mut f = variant("=HYPERLINK(\"x\")", 'f', 4.0, false, 0.98, 6.0);
    f.description = "a, \"quoted\" description".into();
    let csv = store::export_csv(&[f]);
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\"") && csv.contains("\"a, \"\"quoted\"\" description\""), "{csv}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn share_links_round_trip_and_refuse_damage_clearly() {
    let e = entry();
    let link = share::encode(e).unwrap();
    assert!(link.starts_with("v1.") && link.len() < 16_000, "{} chars", link.len());
    let shared = e.clone().as_self_reported("share link");
    assert_eq!(share::decode(&link).unwrap(), shared, "a link reopens as the same entry, self-reported");
    assert_eq!(share::decode(&format!("#r={link}")).unwrap(), shared);
    let body_at = 3 + link[3..].len() / 2;
    let mut tampered = link.clone().into_bytes();
    tampered[body_at] = if tampered[body_at] == b'A' { b'B' } else { b'A' };
    let msg = err_of(share::decode(std::str::from_utf8(&tampered).unwrap()));
    assert!(msg.contains("damaged") || msg.contains("altered"), "{msg}");
    // Same payload, forged checksum.
    let forged = format!("{}.{}", &link[..link.rfind('.').unwrap()], "0".repeat(16));
    assert!(err_of(share::decode(&forged)).contains("altered"));
    assert!(err_of(share::decode(&link[..link.len() / 2])).contains("cut off"));
    assert!(err_of(share::decode(&link.replacen("v1.", "v0.", 1))).contains("format v0"));
    assert!(err_of(share::decode("hello")).contains("not a TinyMLPerf result link"));
    assert!(err_of(share::decode("")).contains("no result"));
}
