//! web-sys in a real browser window (headless Chromium via chromedriver): the Clock reads
//! `performance.now()` from the Window, and the GEMM slice runs and reports through it.
#![cfg(target_arch = "wasm32")]
use tinymlperf::kernels::GemmShape;
use tinymlperf::profiler::{kernel_bench, Clock, HostClock, RunConfig};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn clock_reads_window_performance_now() {
    let c = HostClock::new().expect("a Window has performance.now()");
    assert_eq!(c.scope(), "window");
    let t0 = c.now_ms();
    let mut x = 0u64;
    for i in 0..2_000_000u64 {
        x = x.wrapping_add(i * i);
    }
    assert!(x != 1);
    let t1 = c.now_ms();
    assert!(t1 >= t0 && t0 >= 0.0, "monotonic: {t0} then {t1}");
    let r = c.resolution_ms();
    assert!(r > 0.0 && r <= 1.0, "resolution {r} ms should be between 0 and 1 ms in Chromium");
}

#[wasm_bindgen_test]
fn gemm_slice_runs_in_window() {
    let c = HostClock::new().unwrap();
    let r = kernel_bench::gemm_scalar_vs_best(&c, GemmShape { m: 16, k: 64, n: 32 }, RunConfig { batch_ms: 2.0, rounds: 3, warmup: 1 });
    assert_eq!(r.clock_scope, "window");
    assert_eq!(r.max_abs_diff, 0.0, "SIMD GEMM must match the reference exactly");
    assert!(r.baseline_ms > 0.0 && r.candidate_ms > 0.0 && r.speedup.is_finite());
    assert_eq!(r.candidate_variant, "f32_gemm__simd128_4x8");
}

#[wasm_bindgen_test]
fn load_benchmark_export_describes_each_event_and_rejects_unknown_ids() {
    use wasm_bindgen::JsValue;
    let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap();
    for (id, samples) in [("mlp_sprint", 10_000.0), ("cnn_marathon", 10_000.0), ("transformer_decathlon", 2_000.0)] {
        let v = tinymlperf::wasm_api::load_benchmark(id).unwrap_or_else(|_| panic!("{id} loads"));
        assert_eq!(get(&v, "id").as_string().unwrap(), id);
        assert_eq!(get(&v, "heldout_samples").as_f64().unwrap(), samples);
        let acc = get(&v, "recorded_accuracy").as_f64().unwrap();
        assert!(acc >= get(&v, "accuracy_threshold").as_f64().unwrap(), "{id}: {acc}");
    }
    assert!(tinymlperf::wasm_api::load_benchmark("resnet50").is_err());
}

#[wasm_bindgen_test]
fn benchmark_model_runs_an_event_end_to_end_in_the_browser() {
    use tinymlperf::events::EventId;
    use tinymlperf::profiler::benchmark::{benchmark_model, BenchmarkOptions, ModelCandidate};
    use tinymlperf::submission::{build_recipe, load_entry, logit_budget, reference, Recipe};
    let id = EventId::CnnMarathon;
    let bytes = build_recipe(&Recipe { event: id, quantize: false, sparsity: 0.0, kernels: None }).unwrap();
    let e = load_entry(id, &bytes).unwrap();
    let r = reference(id).unwrap();
    let mut opts = BenchmarkOptions { per_layer: true, ..BenchmarkOptions::default() };
    opts.profiler.budget_ms = 1500.0;
    let c = HostClock::new().unwrap();
    let mut last = 0.0;
    let candidate = ModelCandidate { model: &e.model, kernels: &e.kernels };
    let report = benchmark_model(&c, &candidate, &r.0, logit_budget(&e, &r.1, false), &opts, &mut |p| {
        assert!(p.fraction >= last, "progress goes forward");
        last = p.fraction;
    })
    .unwrap();
    assert_eq!(last, 1.0);
    assert_eq!(report.kernels, "simd128");
    assert_eq!(report.environment.clock_scope, "window");
    assert!(report.environment.simd128);
    assert!(report.environment.user_agent.contains("Chrome"), "{}", report.environment.user_agent);
    assert_eq!(report.accuracy.candidate, report.accuracy.reference, "SIMD kernels keep the reference accuracy exactly");
    let t = &report.timing;
    assert!(t.rounds >= 7 && t.timer_resolution_ms > 0.0);
    assert!(t.speedup > 3.0, "SIMD CNN must beat the scalar baseline clearly: {}×", t.speedup);
    assert!(t.speedup_ci[0] <= t.speedup && t.speedup <= t.speedup_ci[1]);
    let ops = report.per_layer.unwrap();
    assert!(ops.iter().any(|o| o.op == "conv3x3" && o.calls == 2), "{ops:?}");
    assert!(report.memory.peak_activation_bytes > 0);
    let eq = &report.equivalence;
    assert!(eq.passed && eq.agreement == 1.0 && eq.rel_rms < 1e-5, "SIMD kernels on the reference weights: {eq:?}");
}

/// The boundary carries values as JSON text: a real entry (INT8 recipe, per-op times) goes out as JS
/// objects and comes back unchanged, byte for byte in its export; what JSON cannot carry (a BigInt, a
/// cycle, NaN where a figure belongs, nothing at all) is refused with a message naming the argument.
#[wasm_bindgen_test]
fn entries_cross_the_boundary_as_json_and_what_json_cannot_carry_is_refused() {
    use tinymlperf::events::EventId;
    use tinymlperf::submission::{build_recipe, submit_entry, Recipe, Submission};
    use tinymlperf::wasm_api as api;
    use wasm_bindgen::JsValue;
    let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap();
    let message = |e: wasm_bindgen::JsError| js_sys::Error::from(JsValue::from(e)).message().as_string().unwrap();

    let s = Submission {
        team: "Boundary".into(),
        event: "mlp_sprint".into(),
        description: "INT8 quantization".into(),
        url: String::new(),
        package_url: String::new(),
        budget_s: Some(1.0),
        seed: Some(3),
        submitted_at: Some(1.7e12),
        per_layer: true,
    };
    let bytes = build_recipe(&Recipe { event: EventId::MlpSprint, quantize: true, sparsity: 0.0, kernels: None }).unwrap();
    let e = submit_entry(&HostClock::new().unwrap(), &s, &bytes, &mut |_| {}).unwrap();
    assert!(e.report.per_layer.as_ref().is_some_and(|p| !p.is_empty()), "the entry carries per-op times");
    let text = tinymlperf::leaderboard::export_json(std::slice::from_ref(&e)).unwrap();

    // Out as JS objects (maps as plain objects, figures as numbers), back in, and out again: unchanged.
    let merged = api::merge_entries(JsValue::NULL, &text, None).map_err(message).unwrap();
    let entries = get(&merged, "entries");
    let first = js_sys::Array::from(&entries).get(0);
    assert_eq!(get(&first, "team").as_string().unwrap(), "Boundary");
    assert_eq!(get(&get(&get(&first, "report"), "timing"), "speedup").as_f64().unwrap(), e.report.timing.speedup);
    assert_eq!(api::export_entries(entries.clone()).map_err(message).unwrap(), text, "an entry survives the boundary");
    assert_eq!(api::entry_key(first.clone()).map_err(message).unwrap(), tinymlperf::leaderboard::entry_key(&e));
    let boards = api::leaderboards(entries, "mlp_sprint").map_err(message).unwrap();
    assert_eq!(js_sys::Array::from(&get(&boards, "speed")).length(), 1);

    // What JSON cannot carry.
    let m = message(api::leaderboards(js_sys::BigInt::from(1u64).into(), "mlp_sprint").unwrap_err());
    assert!(m.starts_with("entries: not representable as JSON"), "{m}");
    let cycle = js_sys::Array::new();
    cycle.push(&cycle);
    let m = message(api::export_entries(cycle.into()).unwrap_err());
    assert!(m.starts_with("entries: not representable as JSON"), "{m}");
    js_sys::Reflect::set(&get(&get(&first, "report"), "timing"), &"speedup".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    let m = message(api::encode_share(first).unwrap_err());
    assert!(m.starts_with("entry: invalid type: null, expected f64"), "{m}");
    let m = message(api::encode_share(JsValue::UNDEFINED).unwrap_err());
    assert_eq!(m, "entry: missing (undefined)");
}
