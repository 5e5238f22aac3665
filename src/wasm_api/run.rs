//! `api-run`: what running an event or a submitted package needs — the page's first-run module.
use super::{describe, event_id, from_js, js_err, progress_fn, to_js};
use crate::profiler::{kernel_bench, HostClock};
use wasm_bindgen::prelude::*;

// The relaxed-SIMD module's exports, as the page publishes them on `globalThis.tinymlperfRelaxed`
// (www/relaxed.js) after instantiating `tinymlperf_relaxed.wasm` on this module's memory. Resolved at
// call time, so the imports exist whether or not the page ever installs that module.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = tinymlperfRelaxed, js_name = f32_linear_packed)]
    fn relaxed_linear_packed(m: u32, k: u32, n: u32, a: u32, b: u32, bias: u32, relu: u32, c: u32);
    #[wasm_bindgen(js_namespace = tinymlperfRelaxed, js_name = i8_dot_quads)]
    fn relaxed_i8_dot_quads(m: u32, kq: u32, n: u32, a: u32, w: u32, acc: u32);
    #[wasm_bindgen(js_namespace = tinymlperfRelaxed, js_name = peak_madd)]
    fn relaxed_peak_madd(iters: u32, seed: f32) -> f32;
}

/// Puts the relaxed-SIMD kernels in the kernel table (`kernels::gemm::relaxed`): the page calls it once,
/// after it validated a relaxed-SIMD probe and published the relaxed module's exports on
/// `globalThis.tinymlperfRelaxed`. Checks that both exports are there and that the dense layer gives
/// the reference's answer on a small case before installing; returns the variant name.
#[wasm_bindgen(js_name = useRelaxedSimd)]
pub fn use_relaxed_simd() -> Result<String, JsError> {
    use crate::kernels::{gemm::relaxed, Act, DenseWeights};
    let ns = js_sys::Reflect::get(&js_sys::global(), &"tinymlperfRelaxed".into()).map_err(|_| JsError::new("useRelaxedSimd: no globalThis.tinymlperfRelaxed"))?;
    for name in ["f32_linear_packed", "i8_dot_quads", "peak_madd"] {
        let f = js_sys::Reflect::get(&ns, &name.into()).unwrap_or(JsValue::UNDEFINED);
        if !f.is_function() {
            return Err(JsError::new(&format!("useRelaxedSimd: globalThis.tinymlperfRelaxed.{name} is not a function (load www/pkg-relaxed/tinymlperf_relaxed.wasm first)")));
        }
    }
    // A 5×13·13×11 layer (two row blocks, a partial panel, bias and ReLU) against the scalar reference.
    let (m, k, n) = (5, 13, 11);
    let x = kernel_bench::seeded_values(7, m * k);
    let w = DenseWeights::new(k, n, kernel_bench::seeded_values(8, k * n));
    let bias = kernel_bench::seeded_values(9, n);
    let mut want = vec![0.0; m * n];
    crate::kernels::gemm::scalar::f32_linear(m, &x, &w, Some(&bias), Act::Relu, &mut want);
    let hooks = relaxed::Hooks { linear: relaxed_linear_packed, i8_dot: relaxed_i8_dot_quads, peak: relaxed_peak_madd };
    let mut got = vec![f32::NAN; m * n];
    (hooks.linear)(m as u32, k as u32, n as u32, x.as_ptr() as u32, w.packed.data.as_ptr() as u32, bias.as_ptr() as u32, 1, got.as_mut_ptr() as u32);
    if let Some((i, g, r)) = crate::kernels::tolerance::F32_FUSED.first_mismatch(&got, &want) {
        return Err(JsError::new(&format!("useRelaxedSimd: the relaxed dense layer gives {g} at element {i} where the reference gives {r}; not installed")));
    }
    relaxed::install(hooks);
    Ok(relaxed::NAME.to_string())
}

/// The run's environment: user agent, cores, isolation, measured timer resolution, SIMD, build id,
/// and plain-language warnings.
#[wasm_bindgen]
pub fn environment() -> Result<JsValue, JsError> {
    let clock = HostClock::new().map_err(js_err)?;
    to_js(&crate::profiler::Environment::capture(&clock))
}

/// Every event as the page shows it (as `loadBenchmark` describes one), at start-up, without the
/// weights: shapes and metadata come from the weights files' headers recorded at build time
/// (`events::skeleton`), so nothing is downloaded and no held-out split is generated (seconds) before
/// the page is ready; a run fetches its event's weights and generates its split when it needs them.
#[wasm_bindgen(js_name = listEvents)]
pub fn list_events() -> Result<JsValue, JsError> {
    use crate::format::{META_HELDOUT_ACCURACY, META_HELDOUT_TOTAL, META_SHA256};
    let mut infos = Vec::new();
    for id in crate::events::EventId::ALL {
        let (model, p) = crate::events::skeleton(id).map_err(js_err)?;
        let (total, accuracy) = (p.meta_parse(META_HELDOUT_TOTAL).map_err(js_err)?, p.meta_parse(META_HELDOUT_ACCURACY).map_err(js_err)?);
        infos.push(describe(crate::events::spec(id), &model, total, accuracy, p.require_meta(META_SHA256).map_err(js_err)?.to_string()));
    }
    to_js(&infos)
}

/// Hands the engine `weights/<name>.safetensors` (`name`: an event id, or `<event>_sparse`), fetched by
/// the page's worker before the first call that needs it; refused unless its size and SHA-256 are the
/// ones this build recorded. Only in builds without embedded weights (the page's).
#[cfg(not(feature = "embedded-weights"))]
#[wasm_bindgen(js_name = provideWeights)]
pub fn provide_weights(name: &str, bytes: Vec<u8>) -> Result<(), JsError> {
    crate::events::provide_weights(name, bytes).map_err(js_err)
}

/// Builds a recipe's package: `{event, quantize, sparsity, kernels?}` → safetensors bytes.
#[wasm_bindgen(js_name = buildRecipe)]
pub fn build_recipe(recipe: JsValue) -> Result<Vec<u8>, JsError> {
    let r: crate::submission::Recipe = from_js(recipe, "recipe")?;
    crate::submission::build_recipe(&r).map_err(js_err)
}

/// Validates a package for an event and reports what the scorer will see, without timing.
#[wasm_bindgen(js_name = inspectPackage)]
pub fn inspect_package(bytes: &[u8], event: &str) -> Result<JsValue, JsError> {
    to_js(&crate::submission::inspect_package(event_id(event)?, bytes).map_err(js_err)?)
}

/// The seed's `submit_entry`: `submission = {team, event, description, url, budget_s?, seed?,
/// submitted_at?, per_layer?}` and the package bytes → a scored `Entry`. `onProgress({phase, fraction,
/// message})` is called synchronously while it runs.
#[wasm_bindgen(js_name = submitEntry)]
pub fn submit_entry(submission: JsValue, bytes: &[u8], on_progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let s: crate::submission::Submission = from_js(submission, "submission")?;
    let clock = HostClock::new().map_err(js_err)?;
    let entry = crate::submission::submit_entry(&clock, &s, bytes, &mut progress_fn(on_progress)).map_err(js_err)?;
    to_js(&entry)
}

