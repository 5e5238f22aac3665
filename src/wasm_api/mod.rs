//! The only module that touches wasm-bindgen: typed serde structs in and out, `Result<_, JsError>`
//! with readable messages, never a panic across the boundary.
//!
//! The exports come in three groups, each behind a cargo feature, so the page can send a visitor only
//! the code the first thing they do needs (README, "First load and restart"):
//! - `api-run` ([`run`]): run an event or a submitted package (the page's first-run module, `www/pkg-run`);
//! - `api-ledger` ([`ledger`]): entries only: boards, merges, exports, share links, provenance verdicts
//!   (`www/pkg-ledger`; no model, no kernel);
//! - `api-lab` ([`lab`]): contestants' own kernels, the kernel benchmarks, reference logits.
//!
//! The full module (`www/pkg`, every feature) serves custom-kernel entries, the bench pages and the
//! scripts. `version`, `limits` and `engineOf` are in every module.
use wasm_bindgen::prelude::*;

#[cfg(feature = "api-lab")]
mod lab;
#[cfg(feature = "api-ledger")]
mod ledger;
#[cfg(feature = "api-run")]
mod run;
// The exports keep their paths (`wasm_api::submit_entry`, …) whatever group they are in.
#[cfg(feature = "api-lab")]
pub use lab::*;
#[cfg(feature = "api-ledger")]
pub use ledger::*;
#[cfg(feature = "api-run")]
pub use run::*;

/// Installs a panic hook that forwards panic messages to `console.error` (a panic still aborts the
/// instance; every API below returns errors instead of panicking on bad input).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&format!("tinymlperf panic: {info}").into())));
}

/// The crate version, for the page footer and share links.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Browser engine and major version of a user agent (`Chromium 156`, `Firefox 153`).
#[wasm_bindgen(js_name = engineOf)]
pub fn engine_of(user_agent: &str) -> String {
    crate::submission::provenance::engine_of(user_agent)
}

/// Limits the page checks before handing bytes over (so a 2 GB file is refused without reading it).
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Limits {
        max_package_bytes: usize,
        max_import_bytes: usize,
        max_share_chars: usize,
        max_kernel_bytes: usize,
    }
    to_js(&Limits {
        max_package_bytes: crate::format::MAX_PACKAGE_BYTES,
        max_import_bytes: crate::leaderboard::store::MAX_IMPORT_BYTES,
        max_share_chars: crate::submission::share::MAX_SHARE_CHARS,
        max_kernel_bytes: crate::format::wasm_module::MAX_KERNEL_BYTES,
    })
}

// ---------------------------------------------------------------- shared by the groups

pub(crate) fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

// Values cross the boundary as JSON text, parsed and written by the browser's own JSON: the module then
// carries one serializer and one deserializer per type (serde_json's, which share links, exports and
// packages need anyway) instead of a second pair for JS objects — about a sixth of the module. Maps
// arrive as plain objects and `None` as `null`, so the page can read fields and store them in IndexedDB.
pub(crate) fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    let json = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&json).map_err(|e| JsError::new(&format!("the engine's reply is not JSON: {}", js_message(e))))
}

pub(crate) fn from_js<T: serde::de::DeserializeOwned>(v: JsValue, what: &str) -> Result<T, JsError> {
    if v.is_undefined() {
        return Err(JsError::new(&format!("{what}: missing (undefined)")));
    }
    // JSON.stringify throws on cycles and BigInt, and turns NaN and Infinity into null: each then fails
    // here or in the type's own validation with a message, never a panic.
    let json = js_sys::JSON::stringify(&v).map_err(|e| JsError::new(&format!("{what}: not representable as JSON: {}", js_message(e))))?;
    let json = json.as_string().ok_or_else(|| JsError::new(&format!("{what}: not representable as JSON")))?;
    serde_json::from_str(&json).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

pub(crate) fn event_id(event: &str) -> Result<crate::events::EventId, JsError> {
    event.parse().map_err(js_err)
}

pub(crate) fn js_message(e: JsValue) -> String {
    e.as_string().or_else(|| js_sys::Error::from(e).message().as_string()).unwrap_or_default()
}

#[cfg(any(feature = "api-run", feature = "api-lab"))]
pub(crate) fn progress_fn(cb: Option<js_sys::Function>) -> impl FnMut(crate::profiler::benchmark::Progress) {
    move |p| {
        if let (Some(f), Ok(v)) = (&cb, to_js(&p)) {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    }
}


#[cfg(any(feature = "api-run", feature = "api-lab"))]
/// What the page shows about one event.
#[derive(serde::Serialize)]
pub(crate) struct BenchmarkInfo {
    id: &'static str,
    title: &'static str,
    architecture: &'static str,
    input_shape: &'static [usize],
    classes: usize,
    params: usize,
    flops_per_inference: u64,
    heldout_samples: usize,
    recorded_accuracy: f64,
    accuracy_threshold: f64,
    weights_sha256: String,
}

#[cfg(any(feature = "api-run", feature = "api-lab"))]
pub(crate) fn describe(spec: &crate::events::EventSpec, model: &crate::models::Model, heldout_samples: usize, recorded_accuracy: f64, weights_sha256: String) -> BenchmarkInfo {
    BenchmarkInfo {
        id: spec.id.as_str(),
        title: spec.title,
        architecture: spec.architecture,
        input_shape: spec.input_shape,
        classes: spec.classes,
        params: model.param_count(),
        flops_per_inference: model.flops_per_inference(),
        heldout_samples,
        recorded_accuracy,
        accuracy_threshold: spec.accuracy_threshold,
        weights_sha256,
    }
}

