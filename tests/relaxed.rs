//! The relaxed-SIMD kernels (`relaxed/`, `kernels::gemm::relaxed`) in headless Chromium, which has
//! relaxed SIMD (Node 20 does not without a V8 flag, so these run in the browser layer). The module is
//! instantiated as the page does it (www/relaxed.js): on this module's memory, its exports published on
//! `globalThis.tinymlperfRelaxed`, installed by `useRelaxedSimd`. Then the relaxed dense layer is held
//! to the scalar reference on edge and model shapes (tier `F32_FUSED`; GELU adds `F32_APPROX`), the
//! models on the best table agree with the baseline, and the bench measures the relaxed peak.
#![cfg(target_arch = "wasm32")]
use js_sys::{Object, Reflect, Uint8Array, WebAssembly};
use tinymlperf::events::{load_benchmark, EventId};
use tinymlperf::kernels::{self, gemm, tolerance, Act, DenseWeights};
use tinymlperf::profiler::kernel_bench::seeded_values;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Built by scripts/build.sh (npm test builds before testing).
const MODULE: &[u8] = include_bytes!("../www/pkg-relaxed/tinymlperf_relaxed.wasm");

fn install() {
    if gemm::relaxed::installed().is_some() {
        return;
    }
    let module = WebAssembly::Module::new(&Uint8Array::from(MODULE).into()).expect("the relaxed module compiles in Chromium");
    let env = Object::new();
    Reflect::set(&env, &"memory".into(), &wasm_bindgen::memory()).unwrap();
    let imports = Object::new();
    Reflect::set(&imports, &"env".into(), &env).unwrap();
    let instance = WebAssembly::Instance::new(&module, &imports).expect("instantiates on the engine's memory");
    Reflect::set(&js_sys::global(), &"tinymlperfRelaxed".into(), &instance.exports()).unwrap();
    let name = tinymlperf::wasm_api::use_relaxed_simd().map_err(JsValue::from).expect("useRelaxedSimd installs");
    assert_eq!(name, gemm::relaxed::NAME);
}

#[wasm_bindgen_test]
fn nothing_relaxed_until_installed_then_best_uses_it() {
    // Test binaries share one instance; whichever test runs first installs, so check the order here.
    if gemm::relaxed::installed().is_none() {
        assert!(!kernels::best().names.iter().any(|(_, v)| *v == gemm::relaxed::NAME));
        assert!(!kernels::linear_variants().iter().any(|(n, _)| *n == gemm::relaxed::NAME));
    }
    install();
    let best = kernels::best();
    assert!(best.names.contains(&("linear", gemm::relaxed::NAME)), "{:?}", best.names);
    assert!(!kernels::simd128().names.iter().any(|(_, v)| *v == gemm::relaxed::NAME), "the SIMD128 table stays SIMD128");
    assert!(kernels::linear_variants().iter().any(|(n, _)| *n == gemm::relaxed::NAME));
    assert!(kernels::int8().names.contains(&("linear", gemm::relaxed::I8_NAME)), "the INT8 table takes the relaxed dot");
    assert!(kernels::int8_variants().iter().any(|(n, _)| *n == gemm::relaxed::I8_NAME));
}

#[wasm_bindgen_test]
fn relaxed_int8_layer_is_bit_identical_to_the_reference() {
    use tinymlperf::kernels::quant::{i8_linear_reference, quantize1, Int8Weights};
    install();
    let mut shapes = vec![(64, 784, 128), (64, 128, 64), (64, 64, 10), (1, 784, 128), (64, 784, 10)];
    for m in [1usize, 3, 4, 5, 9] {
        for k in [1usize, 3, 4, 5, 8, 17] {
            for n in [1usize, 3, 4, 5, 8, 9, 17] {
                shapes.push((m, k, n));
            }
        }
    }
    let (mut relaxed_calls, mut fallbacks) = (0, 0);
    for (m, k, n) in shapes {
        let w = seeded_values(k as u64 * 31 + n as u64, k * n);
        let q = Int8Weights::new(k, n, &w, 1.0 / 127.0);
        let bias = seeded_values(n as u64 + 1, n);
        let signed = seeded_values(m as u64 * 7 + k as u64, m * k);
        // Inputs after a ReLU (the relaxed dot's case) and signed inputs (the SIMD128 fallback).
        let relu: Vec<f32> = signed.iter().map(|v| v.max(0.0)).collect();
        for x in [&relu, &signed] {
            let relaxed_path = x.iter().all(|&v| quantize1(v, 1.0 / q.act_scale) >= 0);
            for (bias, act) in [(Some(&bias[..]), Act::Relu), (None, Act::None)] {
                let mut want = vec![f32::NAN; m * n];
                let mut got = vec![f32::NAN; m * n];
                i8_linear_reference(m, x, &q, bias, act, &mut want);
                let before = gemm::relaxed::dot_calls();
                gemm::relaxed::i8_linear_packed(m, x, &q, bias, act, &mut got);
                assert_eq!(gemm::relaxed::dot_calls() - before, relaxed_path as usize, "{m}×{k}×{n}: the relaxed dot runs exactly when every input code is non-negative");
                if let Some((i, g, r)) = tolerance::F32_EXACT.first_mismatch(&got, &want) {
                    panic!("{} {m}×{k}×{n} {act:?} (relaxed path: {relaxed_path}): element {i} = {g}, reference {r}", gemm::relaxed::I8_NAME);
                }
                relaxed_calls += relaxed_path as usize;
                fallbacks += !relaxed_path as usize;
            }
        }
    }
    assert!(relaxed_calls >= 2 * (5 + 5 * 6 * 7), "every ReLU'd input takes the relaxed dot ({relaxed_calls} calls)");
    assert!(fallbacks > 300, "most signed inputs fall back to the SIMD128 kernel ({fallbacks} calls)");
}

#[wasm_bindgen_test]
fn relaxed_dense_layer_matches_reference_on_edge_and_model_shapes() {
    install();
    let mut shapes = vec![(64, 784, 128), (64, 128, 64), (64, 64, 10), (1, 784, 128), (64, 64, 192), (1024, 64, 256), (1024, 256, 64)];
    for m in [0usize, 1, 3, 4, 5, 9] {
        for k in [0usize, 1, 3, 8, 17] {
            for n in [0usize, 1, 3, 4, 5, 7, 8, 9, 17, 65] {
                shapes.push((m, k, n));
            }
        }
    }
    let mut checked = 0;
    for (m, k, n) in shapes {
        let (a, b, bias) = (seeded_values(m as u64 + 3, m * k), seeded_values(k as u64 + 5, k * n), seeded_values(n as u64, n));
        let w = DenseWeights::new(k, n, b);
        for (bias, act) in [(Some(&bias[..]), Act::Relu), (None, Act::None), (Some(&bias[..]), Act::Gelu)] {
            let mut want = vec![f32::NAN; m * n];
            let mut got = vec![f32::NAN; m * n];
            gemm::scalar::f32_linear(m, &a, &w, bias, act, &mut want);
            gemm::relaxed::f32_linear(m, &a, &w, bias, act, &mut got);
            let tier = if act == Act::Gelu { tolerance::F32_APPROX } else { tolerance::F32_FUSED };
            if let Some((i, g, r)) = tier.first_mismatch(&got, &want) {
                panic!("{} {m}×{k}×{n} {act:?}: element {i} = {g}, reference {r}", gemm::relaxed::NAME);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * (7 + 6 * 5 * 10));
}

#[wasm_bindgen_test]
fn relaxed_layer_writes_only_its_output() {
    install();
    let (m, k, n) = (5, 9, 13);
    let w = DenseWeights::new(k, n, seeded_values(1, k * n));
    let x = seeded_values(2, m * k);
    let mut out = vec![7.0f32; m * n + 16];
    gemm::relaxed::f32_linear(m, &x, &w, None, Act::None, &mut out[..m * n]);
    assert!(out[m * n..].iter().all(|&v| v == 7.0), "the partial last panel must not write past C");
}

#[wasm_bindgen_test]
fn models_on_the_relaxed_table_agree_with_the_baseline() {
    install();
    let (base, best) = (kernels::scalar(), kernels::best());
    for (id, count) in [(EventId::MlpSprint, 256), (EventId::TransformerDecathlon, 32)] {
        let bench = load_benchmark(id).unwrap();
        let classes = bench.model.classes();
        let input = bench.dataset.inputs(0, count);
        let l0 = bench.model.forward(&base, input.as_input(), count).unwrap();
        let l1 = bench.model.forward(&best, input.as_input(), count).unwrap();
        if let Some((i, g, w)) = tolerance::MODEL_LOGITS.first_mismatch(&l1, &l0) {
            panic!("{}: logit {i} = {g} on the relaxed table, baseline {w}", id.as_str());
        }
        let argmax = |r: &[f32]| r.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap();
        let agree = (0..count).filter(|&s| argmax(&l0[s * classes..][..classes]) == argmax(&l1[s * classes..][..classes])).count();
        assert!(agree + 1 >= count, "{}: {agree}/{count} predictions agree", id.as_str());
    }
}

#[wasm_bindgen_test]
fn peak_includes_the_relaxed_madd_rate() {
    install();
    let clock = tinymlperf::profiler::HostClock::new().unwrap();
    let p = tinymlperf::profiler::peak::measure(&clock, 3);
    let r = p.relaxed_madd_gflops.expect("installed, so measured");
    assert!(r > 0.0 && r.is_finite() && p.f32x4_gflops > 0.0, "{p:?}");
}
