//! "Where the time goes": the per-op pass a page run asks for lists every op each event's model runs,
//! for the entry and for the baseline, with calls, fused activations, variants and shares that add up;
//! it stays within its share of the budget; and records made before it existed still load.
use std::collections::BTreeMap;
use tinymlperf::events::{self, EventId};
use tinymlperf::models::OwnedInput;
use tinymlperf::profiler::benchmark::{OpTime, PER_LAYER_SHARE};
use tinymlperf::profiler::per_layer::{self, OTHER};
use tinymlperf::profiler::{Clock, HostClock};
use tinymlperf::submission::{build_recipe, submit_entry, Entry, Recipe, Submission};

/// What each model runs per forward pass of its event's batch, from its architecture (README's
/// table): op → (calls, fused activations). The transformer's batch is 1 sequence: attention and
/// mean-pool run once per sequence.
fn expected(id: EventId) -> BTreeMap<&'static str, (u64, Vec<&'static str>)> {
    let batch = events::spec(id).default_batch as u64;
    match id {
        // Linear 128 + ReLU, Linear 64 + ReLU, Linear 10.
        EventId::MlpSprint => [("linear", (3, vec!["relu"]))].into(),
        // Conv3×3 + ReLU, MaxPool2, Conv3×3 + ReLU, MaxPool2, Linear 10.
        EventId::CnnMarathon => [("conv3x3", (2, vec!["relu"])), ("maxpool2", (2, vec![])), ("linear", (1, vec![]))].into(),
        // Token embedding; 2 blocks of LN, Q/K/V, attention, O, LN, FFN 64→256 (GELU)→64; LN,
        // mean-pool, head.
        EventId::TransformerDecathlon => [
            ("embed", (1, vec![])),
            ("layernorm", (2 * 2 + 1, vec![])),
            ("linear", (2 * 6 + 1, vec!["gelu"])),
            ("attention", (2 * batch, vec![])),
            ("mean_pool", (batch, vec![])),
        ]
        .into(),
    }
}

/// A page run's submission: the JSON the page's worker sends, without `per_layer` (on by default).
fn page_run(id: EventId, quantize: bool) -> Entry {
    let s: Submission = serde_json::from_value(serde_json::json!({
        "team": "this browser", "event": id.as_str(), "description": "", "url": "", "budget_s": 1.0, "seed": 2024
    }))
    .unwrap();
    assert!(s.per_layer, "a page run asks for the per-op view unless told not to");
    let bytes = build_recipe(&Recipe { event: id, quantize, sparsity: 0.0, kernels: None }).unwrap();
    let clock = HostClock::new().unwrap();
    let mut phases = Vec::new();
    let e = submit_entry(&clock, &s, &bytes, &mut |p| phases.push((p.phase, p.message))).unwrap();
    let ops: Vec<&String> = phases.iter().filter(|(p, _)| p == "per_layer").map(|(_, m)| m).collect();
    assert_eq!(ops, ["timing each op of the entry", "timing each op of the baseline"], "{phases:?}");
    e
}

fn check_side(id: EventId, side: &str, ops: &[OpTime], variants: &[(&'static str, &'static str)]) {
    let want = expected(id);
    let got: BTreeMap<&str, &OpTime> = ops.iter().map(|o| (o.op.as_str(), o)).collect();
    assert_eq!(got.len(), ops.len(), "{id:?} {side}: each op listed once: {ops:?}");
    let names: Vec<&str> = got.keys().copied().filter(|o| *o != OTHER).collect();
    assert_eq!(names, want.keys().copied().collect::<Vec<_>>(), "{id:?} {side}: every op the model runs, and only those");
    for (op, (calls, fused)) in &want {
        let o = got[op];
        assert_eq!(o.calls, *calls, "{id:?} {side}: calls of {op} per forward pass");
        assert_eq!(o.fused, *fused, "{id:?} {side}: activations fused into {op}");
        let variant = variants.iter().find(|(s, _)| s == op).unwrap().1;
        assert_eq!(o.variant, variant, "{id:?} {side}: {op} names the variant that filled its slot");
        assert!(o.ms_per_forward > 0.0 && o.share > 0.0, "{id:?} {side}: {op} took time: {o:?}");
    }
    let other = got.get(OTHER).unwrap_or_else(|| panic!("{id:?} {side}: the time outside the table is listed"));
    assert_eq!((other.calls, other.variant.as_str()), (0, per_layer::OTHER_VARIANT));
    assert!(other.ms_per_forward >= 0.0 && other.share < 0.5, "{id:?} {side}: glue code is a small part: {other:?}");
    assert!((ops.iter().map(|o| o.share).sum::<f64>() - 1.0).abs() < 1e-9, "{id:?} {side}: shares add up to the forward pass");
    assert!(ops.windows(2).all(|w| w[0].ms_per_forward >= w[1].ms_per_forward), "{id:?} {side}: largest first: {ops:?}");
}

fn check_event(id: EventId) {
    let e = page_run(id, false);
    let r = &e.report;
    let entry = r.per_layer.as_ref().expect("the entry's ops");
    let base = r.baseline_per_layer.as_ref().expect("the baseline's ops");
    let table = tinymlperf::submission::load_entry(id, &build_recipe(&Recipe { event: id, quantize: false, sparsity: 0.0, kernels: None }).unwrap()).unwrap().kernels;
    check_side(id, "entry", entry, &table.names);
    check_side(id, "baseline", base, &tinymlperf::kernels::scalar().names);
    e.validate().unwrap();
    // Printed for docs: where each side spends its time.
    let line = |ops: &[OpTime]| ops.iter().map(|o| format!("{} {:.3} ms {:.0}%", o.op, o.ms_per_forward, o.share * 100.0)).collect::<Vec<_>>().join(", ");
    println!("{}: entry [{}] | baseline [{}]", id.as_str(), line(entry), line(base));
}

#[test]
fn mlp_sprint_lists_every_op_for_entry_and_baseline() {
    check_event(EventId::MlpSprint);
}

#[test]
fn cnn_marathon_lists_every_op_for_entry_and_baseline() {
    check_event(EventId::CnnMarathon);
}

#[test]
fn transformer_decathlon_lists_every_op_for_entry_and_baseline() {
    check_event(EventId::TransformerDecathlon);
}

#[test]
fn an_int8_entry_names_its_own_variant_beside_the_scalar_baseline() {
    let e = page_run(EventId::MlpSprint, true);
    let linear = |ops: &Option<Vec<OpTime>>| ops.as_ref().unwrap().iter().find(|o| o.op == "linear").unwrap().variant.clone();
    assert_eq!(e.report.kernels, "int8");
    assert_eq!(linear(&e.report.baseline_per_layer), "f32_gemm__scalar");
    assert!(linear(&e.report.per_layer).starts_with("i8_gemm"), "{}", linear(&e.report.per_layer));
}

#[test]
fn an_int8_cnn_lists_its_int8_convolution_by_variant() {
    // conv1 stays fp32 (`conv3x3`), conv2 runs the INT8 slot, the classifier the INT8 `linear`.
    let e = page_run(EventId::CnnMarathon, true);
    assert_eq!(e.report.kernels, "int8");
    let ops = e.report.per_layer.as_ref().unwrap();
    let op = |name: &str| ops.iter().find(|o| o.op == name).unwrap_or_else(|| panic!("{name} listed: {ops:?}"));
    let table = tinymlperf::kernels::int8();
    let variant = |slot: &str| table.names.iter().find(|(s, _)| *s == slot).unwrap().1;
    assert_eq!((op("conv3x3").calls, op("conv3x3_int8").calls, op("linear").calls), (1, 1, 1));
    assert_eq!(op("conv3x3_int8").variant, variant("conv3x3_int8"));
    assert!(op("conv3x3_int8").variant.starts_with("i8_conv3x3"), "{}", op("conv3x3_int8").variant);
    assert_eq!(op("conv3x3_int8").fused, ["relu"]);
    assert!(op("linear").variant.starts_with("i8_gemm"));
    let base = e.report.baseline_per_layer.as_ref().unwrap();
    assert!(base.iter().all(|o| o.op != "conv3x3_int8"), "the scalar baseline runs both convolutions in fp32");
    assert_eq!(base.iter().find(|o| o.op == "conv3x3").unwrap().calls, 2);
}

#[test]
fn the_per_op_pass_keeps_to_its_budget() {
    // Each side's pass gets PER_LAYER_SHARE of the timing budget: at most about one forward pass more.
    assert!(PER_LAYER_SHARE * 2.0 <= 0.1 + 1e-12, "both passes together: at most 10% of the budget");
    for id in EventId::ALL {
        let (model, _) = events::load_model(id).unwrap();
        let batch = events::spec(id).default_batch;
        let pixels = id != EventId::TransformerDecathlon;
        let mut stream = tinymlperf::data::fresh::InputStream::new(pixels, 7, 10, batch);
        let pool: Vec<OwnedInput> = (0..4).map(|_| stream.next_batch().0).collect();
        for k in [tinymlperf::kernels::scalar(), tinymlperf::kernels::best()] {
            let clock = HostClock::new().unwrap();
            // One untimed forward pass to know how long one takes.
            let t0 = clock.now_ms();
            model.forward(&k, pool[0].as_input(), batch).unwrap();
            let one = clock.now_ms() - t0;
            let budget = 10_000.0 * PER_LAYER_SHARE / 4.0;
            let t0 = clock.now_ms();
            per_layer::op_times(&model, &k, &pool, batch, budget).unwrap();
            let took = clock.now_ms() - t0;
            assert!(took <= budget.max(3.0 * one) + 4.0 * one + 50.0, "{id:?} on {}: {took:.0} ms for a {budget:.0} ms pass ({one:.1} ms a forward)", k.name);
        }
    }
}

#[test]
fn reports_made_before_the_view_still_load() {
    // A report without `baseline_per_layer` and ops without `fused` (older exports, share links).
    let e = page_run(EventId::MlpSprint, false);
    let mut v = serde_json::to_value(&e).unwrap();
    let report = v["report"].as_object_mut().unwrap();
    report.remove("baseline_per_layer");
    for o in report["per_layer"].as_array_mut().unwrap() {
        o.as_object_mut().unwrap().remove("fused");
    }
    let old: Entry = serde_json::from_value(v).unwrap();
    assert!(old.report.baseline_per_layer.is_none());
    assert!(old.report.per_layer.unwrap().iter().all(|o| o.fused.is_empty()));
    let mut v = serde_json::to_value(&e).unwrap();
    v["report"].as_object_mut().unwrap().remove("per_layer");
    let older: Entry = serde_json::from_value(v).unwrap();
    assert!(older.report.per_layer.is_none());
}
