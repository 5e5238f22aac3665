//! The execution census (`submission::custom::execution_census`): innovation credit comes from what
//! a kernel's `forward` executes, not from what its file contains. Three fixtures from
//! `scripts/build-contest.sh`: the scalar template, the template built with `--features simd`, and
//! `dead-simd` (the scalar template plus an exported SIMD + `i32x4.dot_i16x8_s` function that is
//! never called). Wasm only (the engine instantiates kernels with the host's `WebAssembly`).
#![cfg(target_arch = "wasm32")]
use tinymlperf::data::digits;
use tinymlperf::events::{self, EventId};
use tinymlperf::format::wasm_instrument::ExecutedOps;
use tinymlperf::format::wasm_module;
use tinymlperf::models::Input;
use tinymlperf::submission::custom::execution_census;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const TEMPLATE: &[u8] = include_bytes!("../target/contest/kernel-template.wasm");
const TEMPLATE_SIMD: &[u8] = include_bytes!("../target/contest/kernel-template-simd.wasm");
const DEAD_SIMD: &[u8] = include_bytes!("../target/contest/dead-simd.wasm");

/// Multiply-adds of one MLP Sprint inference.
const MACS: f64 = (784 * 128 + 128 * 64 + 64 * 10) as f64;

/// One counted `forward` call of a batch (the event's batch size) of generated digits, with the
/// event's reference weights.
fn census(name: &str, wasm: &[u8]) -> (ExecutedOps, Vec<f32>) {
    let (model, package) = events::load_model(EventId::MlpSprint).unwrap();
    let batch = events::spec(EventId::MlpSprint).default_batch;
    let x = digits::generate(2024, batch).batch_f32(0, batch);
    let module = wasm_module::inspect(wasm).unwrap();
    let (ops, logits) = execution_census(wasm, module, &package, model, batch, Input::Pixels(&x)).unwrap();
    console_log!(
        "{name}: per call (batch {}) {:.0} instructions, {:.0} arithmetic, {:.0} v128 ({:.1}%), {:.0} int dot; {}",
        ops.batch,
        ops.instructions_per_call,
        ops.arithmetic_per_call,
        ops.v128_per_call,
        ops.v128_share * 100.0,
        ops.int_dot_per_call,
        ops.evidence()
    );
    assert_eq!((ops.calls, ops.batch, logits.len()), (1, batch, batch * 10));
    (ops, logits)
}

#[wasm_bindgen_test]
fn the_scalar_template_executes_no_simd() {
    let (ops, logits) = census("kernel-template", TEMPLATE);
    assert_eq!((ops.v128_per_call, ops.int_dot_per_call, ops.int_dot_macs_per_call, ops.v128_share), (0.0, 0.0, 0.0, 0.0), "{ops:?}");
    // At least a multiply and an add per multiply-add of the model, for each of the batch's images.
    assert!(ops.arithmetic_per_call >= 2.0 * MACS * ops.batch as f64, "{ops:?}");
    assert!(ops.instructions_per_call > ops.arithmetic_per_call);
    assert!(ops.evidence().starts_with("executed 0 v128 operations per call (0% of its arithmetic), 0 integer dot products"), "{}", ops.evidence());
    // The copy computes what the engine's scalar reference computes.
    let (model, _) = events::load_model(EventId::MlpSprint).unwrap();
    let batch = ops.batch;
    let x = digits::generate(2024, batch).batch_f32(0, batch);
    let want = model.forward(&tinymlperf::kernels::scalar(), Input::Pixels(&x), batch).unwrap();
    let worst = want.iter().zip(&logits).map(|(a, b)| (a - b).abs() / a.abs().max(1.0)).fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "instrumented template vs scalar reference: {worst}");
}

#[wasm_bindgen_test]
fn the_simd_template_executes_simd_for_most_of_its_arithmetic_and_computes_the_same_logits() {
    let (scalar, want) = census("kernel-template", TEMPLATE);
    let (ops, got) = census("kernel-template-simd", TEMPLATE_SIMD);
    // Four lanes per instruction: at least a v128 multiply and add per four multiply-adds.
    assert!(ops.v128_per_call >= 2.0 * MACS * ops.batch as f64 / 4.0, "{ops:?}");
    assert!(ops.v128_share > 0.5, "most of the arithmetic executed is SIMD: {ops:?}");
    assert!(ops.arithmetic_per_call < scalar.arithmetic_per_call / 2.0, "{ops:?} vs {scalar:?}");
    assert_eq!(ops.int_dot_per_call, 0.0);
    assert!(ops.evidence().contains("M v128 operations per call"), "{}", ops.evidence());
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (i, (a, b)) in want.iter().zip(&got).enumerate() {
        assert!((a - b).abs() <= 1e-4 * a.abs().max(scale), "logit {i}: scalar {a}, simd {b}");
    }
}

#[wasm_bindgen_test]
fn simd_that_is_never_called_earns_nothing() {
    let m = wasm_module::inspect(DEAD_SIMD).unwrap();
    assert!(m.simd_instructions > 0 && m.int_dot_instructions > 0, "the file holds SIMD and dot products: {m:?}");
    assert!(m.simd_examples.iter().any(|n| n == "I32x4DotI16x8S"), "{m:?}");
    let (ops, logits) = census("dead-simd", DEAD_SIMD);
    assert_eq!((ops.v128_per_call, ops.int_dot_per_call, ops.int_dot_macs_per_call), (0.0, 0.0, 0.0), "{ops:?}");
    assert!(ops.evidence().contains("executed 0 v128 operations per call") && ops.evidence().ends_with("0 integer dot products"), "{}", ops.evidence());
    let (_, template) = census("kernel-template", TEMPLATE);
    assert_eq!(logits, template, "the same scalar code computes the same logits");
}
