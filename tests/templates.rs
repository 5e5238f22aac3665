//! The CNN Marathon and Transformer Decathlon kernel templates (`contest/cnn-template`,
//! `contest/transformer-template`), scalar and with their worked SIMD128 step (`--features simd`),
//! through the engine exactly as a contestant submits them, with MLP Sprint's (`contest/kernel-template`)
//! for the same figures. Fixtures come from
//! `scripts/build-contest.sh` (run by `scripts/test.sh` before this layer). Wasm only (the engine
//! instantiates kernels with the host's `WebAssembly`).
//!
//! The tests print the measured figures (`--nocapture`): the speedups docs/custom-kernels.md quotes.
#![cfg(target_arch = "wasm32")]
use tinymlperf::data::{digits, sequences};
use tinymlperf::events::{self, EventId};
use tinymlperf::format::wasm_instrument::ExecutedOps;
use tinymlperf::format::wasm_module;
use tinymlperf::models::{Input, OwnedInput};
use tinymlperf::profiler::per_layer;
use tinymlperf::profiler::HostClock;
use tinymlperf::scoring::Division;
use tinymlperf::submission::{self, custom::execution_census, Entry, Submission};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const MLP: &[u8] = include_bytes!("../target/contest/kernel-template.wasm");
const MLP_SIMD: &[u8] = include_bytes!("../target/contest/kernel-template-simd.wasm");
const CNN: &[u8] = include_bytes!("../target/contest/cnn-template.wasm");
const CNN_SIMD: &[u8] = include_bytes!("../target/contest/cnn-template-simd.wasm");
const TRANSFORMER: &[u8] = include_bytes!("../target/contest/transformer-template.wasm");
const TRANSFORMER_SIMD: &[u8] = include_bytes!("../target/contest/transformer-template-simd.wasm");

fn submit(event: EventId, team: &str, wasm: &[u8], seed: u64) -> Entry {
    let s = Submission { team: team.into(), event: event.as_str().into(), description: String::new(), url: String::new(), package_url: String::new(), budget_s: Some(1.0), seed: Some(seed), submitted_at: Some(1.7e12), per_layer: false };
    let clock = HostClock::new().unwrap();
    submission::submit_custom_entry(&clock, &s, wasm, None, &submission::custom::Direct, &mut |_| {}).unwrap_or_else(|e| panic!("{team}: {e}"))
}

/// One counted `forward` call of `batch` samples with the event's reference weights; returns what it
/// executed and the largest difference of its logits from the engine's scalar reference, relative to
/// the largest logit.
fn census(event: EventId, name: &str, wasm: &[u8], batch: usize) -> (ExecutedOps, f32) {
    let (model, package) = events::load_model(event).unwrap();
    let (pixels, tokens) = match event {
        EventId::TransformerDecathlon => (Vec::new(), sequences::generate(2024, batch).tokens_u32(0, batch)),
        _ => (digits::generate(2024, batch).batch_f32(0, batch), Vec::new()),
    };
    let input = || if tokens.is_empty() { Input::Pixels(&pixels) } else { Input::Tokens(&tokens) };
    let module = wasm_module::inspect(wasm).unwrap();
    let (ops, got) = execution_census(wasm, module, &package, model.clone(), batch, input()).unwrap();
    let want = model.forward(&tinymlperf::kernels::scalar(), input(), batch).unwrap();
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let worst = want.iter().zip(&got).map(|(a, b)| (a - b).abs() / scale).fold(0.0f32, f32::max);
    console_log!("{name}: census of one call (batch {batch}): {}; {:.0} arithmetic; worst logit difference from the scalar reference {worst:e} of the largest", ops.evidence(), ops.arithmetic_per_call);
    (ops, worst)
}

/// A scored, closed entry with the reference's 0.001 budget; `simd` says whether custom-kernel
/// credit must be detected (executed v128 operations) or absent (none executed); `exact`, whether its
/// logits are the reference's bit for bit (then so is its accuracy).
fn check_scored(name: &str, e: &Entry, simd: bool, exact: bool) {
    e.validate().unwrap();
    assert_eq!(e.division(), Division::Closed, "{name}: {}", e.gate.reason);
    let eq = &e.report.equivalence;
    assert!(eq.passed && eq.agreement == 1.0 && eq.rel_rms < 1e-5, "{name}: {eq:?}");
    assert_eq!(eq.budget.rel_rms, 1e-3, "{name}: the reference's own weights keep the 0.001 budget: {:?}", eq.budget);
    if exact {
        assert_eq!(e.report.accuracy.candidate, e.report.accuracy.reference, "{name}: same logits, same accuracy");
    }
    assert!(e.report.kernels.starts_with("custom wasm "), "{name}: {}", e.report.kernels);
    let x = e.kernel.as_ref().and_then(|k| k.executed.clone()).expect("the census ran");
    let ck = e.innovation.techniques.iter().find(|t| t.id == "custom_kernels").unwrap();
    if simd {
        assert!(x.v128_per_call > 0.0, "{name}: {x:?}");
        assert!(ck.detected, "{name}: custom-kernel credit for executed SIMD: {ck:?}");
    } else {
        assert_eq!(x.v128_per_call, 0.0, "{name}: {x:?}");
        assert!(!ck.detected && ck.evidence.iter().any(|l| l.contains("no SIMD instruction ran")), "{name}: {ck:?}");
    }
    let t = &e.report.timing;
    console_log!("{name}: speedup {:.2}× over the in-browser scalar baseline (interval {:.2}–{:.2}, {} rounds); {}", t.speedup, t.speedup_ci[0], t.speedup_ci[1], t.rounds, x.evidence());
}

/// Submits the scalar and the SIMD template of `event` one after the other and checks both.
fn scalar_and_simd(event: EventId, name: &str, scalar: &[u8], simd: &[u8], seed: u64) -> (f64, f64) {
    assert_eq!(wasm_module::inspect(scalar).unwrap().simd_instructions, 0, "{name}: the template is scalar");
    assert!(wasm_module::inspect(simd).unwrap().simd_instructions > 0, "{name}-simd holds SIMD");
    let a = submit(event, name, scalar, seed);
    check_scored(name, &a, false, true);
    let b = submit(event, &format!("{name}-simd"), simd, seed);
    // The MLP template's SIMD step reassociates its sums (about 1e-6 relative); the other two keep the
    // reference's order.
    check_scored(&format!("{name}-simd"), &b, true, event != EventId::MlpSprint);
    let (sa, sb) = (a.report.timing.speedup, b.report.timing.speedup);
    assert!(sa > 0.3 && sa < 3.0, "{name}: a scalar kernel is about as fast as the scalar baseline: {sa}");
    (sa, sb)
}

#[wasm_bindgen_test]
fn the_cnn_templates_compute_the_reference_logits_and_only_the_simd_one_executes_simd() {
    let batch = events::spec(EventId::CnnMarathon).default_batch;
    let (scalar, d) = census(EventId::CnnMarathon, "cnn-template", CNN, batch);
    assert_eq!(d, 0.0, "the scalar template sums in the reference's order: bit for bit");
    assert_eq!(scalar.v128_per_call, 0.0, "{scalar:?}");
    let (simd, d) = census(EventId::CnnMarathon, "cnn-template-simd", CNN_SIMD, batch);
    assert_eq!(d, 0.0, "the SIMD convolution keeps each output's summation order: bit for bit");
    // Both convolutions on four pixels per instruction: at least a v128 multiply and add per four of
    // conv2's 8·16·9·14·14 taps (padding included), per image; and enough for the custom-kernel credit.
    assert!(simd.v128_per_call >= 2.0 * (8 * 16 * 9 * 14 * 14) as f64 / 4.0 * batch as f64, "{simd:?}");
    assert!(simd.v128_share >= 0.25, "{simd:?}");
    assert!(simd.arithmetic_per_call < scalar.arithmetic_per_call / 2.0, "{simd:?} vs {scalar:?}");
}

#[wasm_bindgen_test]
fn the_transformer_templates_compute_the_reference_logits_and_only_the_simd_one_executes_simd() {
    // Eight sequences, one call: the kernel handles any batch (the engine calls it with 1).
    let (scalar, d) = census(EventId::TransformerDecathlon, "transformer-template", TRANSFORMER, 8);
    assert!(d < 1e-5, "the scalar template follows the reference's order: {d}");
    assert_eq!(scalar.v128_per_call, 0.0, "{scalar:?}");
    let (simd, d) = census(EventId::TransformerDecathlon, "transformer-template-simd", TRANSFORMER_SIMD, 8);
    assert!(d < 1e-5, "the SIMD matrix product keeps each output's summation order: {d}");
    // Every product but the 64 → 4 head on four columns per instruction: a v128 multiply and add per
    // four of their 7,340,032 multiply-adds per sequence; and enough for the custom-kernel credit.
    assert!(simd.v128_per_call >= 2.0 * 7_340_032.0 / 4.0 * 8.0, "{simd:?}");
    assert!(simd.v128_share >= 0.25, "{simd:?}");
    assert!(simd.arithmetic_per_call < scalar.arithmetic_per_call / 2.0, "{simd:?} vs {scalar:?}");
}

#[wasm_bindgen_test]
fn the_mlp_templates_are_closed_at_about_1x_and_the_simd_step_is_faster() {
    // contest/kernel-template, here for the same figures as the other two events (docs/custom-kernels.md).
    let (scalar, simd) = scalar_and_simd(EventId::MlpSprint, "kernel-template", MLP, MLP_SIMD, 15);
    console_log!("MLP Sprint: scalar template {scalar:.2}×, SIMD template {simd:.2}× ({:.2}× the scalar template)", simd / scalar);
    assert!(simd > 1.3 * scalar, "the SIMD dense layers are clearly faster: {simd} vs {scalar}");
}

#[wasm_bindgen_test]
fn the_cnn_templates_are_closed_at_about_1x_and_the_simd_step_is_faster() {
    let (scalar, simd) = scalar_and_simd(EventId::CnnMarathon, "cnn-template", CNN, CNN_SIMD, 16);
    console_log!("CNN Marathon: scalar template {scalar:.2}×, SIMD template {simd:.2}× ({:.2}× the scalar template)", simd / scalar);
    assert!(simd > 1.3 * scalar, "the SIMD convolution is clearly faster: {simd} vs {scalar}");
}

#[wasm_bindgen_test]
fn the_transformer_templates_are_closed_at_about_1x_and_the_simd_step_is_faster() {
    let (scalar, simd) = scalar_and_simd(EventId::TransformerDecathlon, "transformer-template", TRANSFORMER, TRANSFORMER_SIMD, 17);
    console_log!("Transformer Decathlon: scalar template {scalar:.2}×, SIMD template {simd:.2}× ({:.2}× the scalar template)", simd / scalar);
    assert!(simd > 1.3 * scalar, "the SIMD matrix product is clearly faster: {simd} vs {scalar}");
}

/// Where the scalar reference spends its time, op by op (the engine's per-op pass; the page shows no
/// per-op view): what each template's SIMD step goes after. Printed for docs/custom-kernels.md.
fn reference_op_split(event: EventId, batch: usize) -> Vec<(String, f64)> {
    let (model, _) = events::load_model(event).unwrap();
    let pool: Vec<OwnedInput> = (0..4u64)
        .map(|i| match event {
            EventId::TransformerDecathlon => OwnedInput::Tokens(sequences::generate(300 + i, batch).tokens_u32(0, batch)),
            _ => OwnedInput::Pixels(digits::generate(300 + i, batch).batch_f32(0, batch)),
        })
        .collect();
    let ops = per_layer::op_times(&model, &tinymlperf::kernels::scalar(), &pool, batch, 400.0).unwrap();
    let line: Vec<String> = ops.iter().map(|o| format!("{} {:.1}% ({:.3} ms, {} calls)", o.op, o.share * 100.0, o.ms_per_forward, o.calls)).collect();
    console_log!("{}: scalar reference per op, batch {batch}: {}", event.as_str(), line.join(", "));
    ops.into_iter().map(|o| (o.op, o.share)).collect()
}

#[wasm_bindgen_test]
fn the_simd_steps_go_after_the_ops_where_the_scalar_reference_spends_its_time() {
    let cnn = reference_op_split(EventId::CnnMarathon, events::spec(EventId::CnnMarathon).default_batch);
    assert_eq!(cnn[0].0, "conv3x3", "{cnn:?}");
    assert!(cnn[0].1 > 0.8, "the convolutions are most of the CNN's time: {cnn:?}");
    let tf = reference_op_split(EventId::TransformerDecathlon, events::spec(EventId::TransformerDecathlon).default_batch);
    assert_eq!(tf[0].0, "linear", "{tf:?}");
    let products: f64 = tf.iter().filter(|(op, _)| op == "linear" || op == "attention").map(|(_, s)| s).sum();
    assert!(products > 0.8, "the matrix products (dense layers and attention) are most of the transformer's time: {tf:?}");
}
