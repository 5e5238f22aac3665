//! `api-lab`: contestants' own kernels (through the kernel reader's module), the kernel benchmarks, the
//! profiler alone and the reference logits other engines are checked against.
use super::{describe, event_id, from_js, js_err, js_message, progress_fn, to_js};
use crate::kernels::GemmShape;
use crate::profiler::{kernel_bench, HostClock, RunConfig};
use wasm_bindgen::prelude::*;

/// Largest GEMM side the demo accepts, so a typo cannot allocate gigabytes.
const MAX_DEMO_DIM: usize = 4096;

// The kernel reader's module (kernelcheck/web → www/pkg-kernelcheck/), as the worker publishes it on
// `globalThis.tinymlperfKernelcheck` (www/kernelcheck.js) before a custom-kernel entry: this module
// carries no WebAssembly parser of its own. Each returns JSON, `{"ok": …}` or `{"error": …}`; a call
// before the worker loaded it throws, and the error says so.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = tinymlperfKernelcheck, js_name = inspect)]
    fn kernelcheck_inspect(wasm: &[u8]) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_namespace = tinymlperfKernelcheck, js_name = instrument)]
    fn kernelcheck_instrument(wasm: &[u8]) -> Result<Vec<u8>, JsValue>;
}

/// [`crate::submission::custom::KernelCheck`] through the kernel reader's module.
struct JsKernelCheck;

impl JsKernelCheck {
    /// The reader could not be called (not loaded, or it trapped): `msg` is what JavaScript threw.
    fn unavailable(what: &str, msg: String) -> crate::Error {
        crate::Error::format(tinymlperf_kernelcheck::WHAT, format!("the kernel reader could not {what} the module: {msg} (the worker loads it from www/pkg-kernelcheck/ through www/kernelcheck.js)"))
    }

    /// A reply of the reader, `{"ok": …}` or `{"error": …}`.
    fn reply<T: serde::de::DeserializeOwned>(json: &str) -> crate::Result<T> {
        #[derive(serde::Deserialize)]
        struct Reply<T> {
            ok: Option<T>,
            error: Option<tinymlperf_kernelcheck::Error>,
        }
        match serde_json::from_str::<Reply<T>>(json) {
            Ok(Reply { ok: Some(v), .. }) => Ok(v),
            Ok(Reply { error: Some(e), .. }) => Err(e.into()),
            Ok(_) => Err(crate::Error::format(tinymlperf_kernelcheck::WHAT, "the kernel reader's reply holds neither a result nor an error")),
            Err(e) => Err(crate::Error::format(tinymlperf_kernelcheck::WHAT, format!("the kernel reader's reply is malformed: {e}"))),
        }
    }
}

impl crate::submission::custom::KernelCheck for JsKernelCheck {
    fn inspect(&self, wasm: &[u8]) -> crate::Result<crate::format::wasm_module::ModuleReport> {
        let json = kernelcheck_inspect(wasm).map_err(|e| Self::unavailable("read", js_message(e)))?;
        Self::reply(&json)
    }
    fn instrument(&self, wasm: &[u8]) -> crate::Result<Vec<u8>> {
        // The copy travels as bytes; the reader's error comes back as JSON in the thrown message.
        kernelcheck_instrument(wasm).or_else(|e| {
            let msg = js_message(e);
            if msg.starts_with('{') {
                Self::reply(&msg)
            } else {
                Err(Self::unavailable("instrument", msg))
            }
        })
    }
}

/// Times the scalar GEMM against the SIMD128 GEMM on an `m×k·k×n` problem, interleaved, and returns a
/// `GemmReport` object (times in ms, GFLOP/s, speedup, max abs difference, clock scope and resolution).
#[wasm_bindgen(js_name = gemmDemo)]
pub fn gemm_demo(m: usize, k: usize, n: usize, batch_ms: f64, rounds: usize) -> Result<JsValue, JsError> {
    for (name, v) in [("m", m), ("k", k), ("n", n)] {
        if v == 0 || v > MAX_DEMO_DIM {
            return Err(JsError::new(&format!("gemmDemo: {name} = {v} is outside 1..={MAX_DEMO_DIM}")));
        }
    }
    if !(batch_ms.is_finite() && batch_ms > 0.0 && batch_ms <= 10_000.0) || rounds == 0 || rounds > 1000 {
        return Err(JsError::new(&format!("gemmDemo: batch_ms {batch_ms} must be in (0, 10000] and rounds {rounds} in 1..=1000")));
    }
    let clock = HostClock::new().map_err(|e| JsError::new(&e.to_string()))?;
    let report = kernel_bench::gemm_scalar_vs_best(&clock, GemmShape { m, k, n }, RunConfig { batch_ms, rounds, warmup: 2 });
    to_js(&report)
}

/// Runs the kernel benchmark (measured peak, every kernel variant on every real model shape, whole-model
/// latency per path unless `with_models` is false) and returns the `BenchReport`. `quick` shortens it for smoke tests; its figures
/// are not meant to be read.
#[wasm_bindgen(js_name = benchKernels)]
pub fn bench_kernels(quick: bool, with_models: bool) -> Result<JsValue, JsError> {
    let clock = HostClock::new().map_err(|e| JsError::new(&e.to_string()))?;
    let mut io = JsBoundary::default();
    let report = kernel_bench::bench_kernels(&clock, quick, with_models, Some(&mut io)).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&report)
}

/// The page's side of a model call for the benchmark: the batch in a JS typed array (`Float32Array` of
/// pixels or `Uint32Array` of token ids), copied into wasm memory per call, and the logits copied out
/// into a new `Float32Array`.
#[derive(Default)]
struct JsBoundary {
    pixels: Option<js_sys::Float32Array>,
    tokens: Option<js_sys::Uint32Array>,
}

impl kernel_bench::CallBoundary for JsBoundary {
    fn stage(&mut self, input: &crate::models::OwnedInput) {
        use crate::models::OwnedInput;
        (self.pixels, self.tokens) = match input {
            OwnedInput::Pixels(p) => (Some(js_sys::Float32Array::from(p.as_slice())), None),
            OwnedInput::Tokens(t) => (None, Some(js_sys::Uint32Array::from(t.as_slice()))),
        };
    }

    fn copy_in(&self) -> crate::models::OwnedInput {
        use crate::models::OwnedInput;
        match (&self.pixels, &self.tokens) {
            (Some(p), _) => OwnedInput::Pixels(p.to_vec()),
            (_, Some(t)) => OwnedInput::Tokens(t.to_vec()),
            _ => OwnedInput::Pixels(Vec::new()),
        }
    }

    fn copy_out(&self, logits: &[f32]) {
        core::hint::black_box(js_sys::Float32Array::from(logits));
    }
}

/// Loads an event (`mlp_sprint`, `cnn_marathon`, `transformer_decathlon`): parses and validates its
/// weights (embedded, or handed over by `provideWeights`), generates its held-out split, and returns
/// what the page shows about it. An unknown id is an error listing the known ones.
#[wasm_bindgen(js_name = loadBenchmark)]
pub fn load_benchmark(event: &str) -> Result<JsValue, JsError> {
    let id: crate::events::EventId = event.parse().map_err(js_err)?;
    let b = crate::events::load_benchmark(id).map_err(js_err)?;
    to_js(&describe(b.spec, &b.model, b.dataset.len(), b.recorded_accuracy, b.weights_sha256))
}

/// The event's reference model on the best kernel table this browser has, run on `input` (`batch`
/// items: pixels in [0, 1], or token ids as whole numbers for the transformer): its logits. Other
/// engines' outputs on the same inputs are checked against these (`npm run bench:peers`).
#[wasm_bindgen(js_name = referenceLogits)]
pub fn reference_logits(event: &str, input: &[f32], batch: usize) -> Result<Vec<f32>, JsError> {
    let (model, _) = crate::events::load_model(event_id(event)?).map_err(js_err)?;
    let kernels = crate::kernels::best();
    let logits = if let crate::models::Model::Transformer(_) = model {
        let tokens: Vec<u32> = input.iter().map(|&t| if t >= 0.0 && t.fract() == 0.0 { t as u32 } else { u32::MAX }).collect();
        model.forward(&kernels, crate::models::Input::Tokens(&tokens), batch)
    } else {
        model.forward(&kernels, crate::models::Input::Pixels(input), batch)
    };
    logits.map_err(js_err)
}

/// Options of `benchmarkModel`.
#[derive(serde::Deserialize, Default)]
struct BenchOpts {
    budget_s: Option<f64>,
    seed: Option<u64>,
    #[serde(default)]
    per_layer: bool,
}

/// The profiler alone: an event's package benchmarked against the in-browser baseline.
#[wasm_bindgen(js_name = benchmarkModel)]
pub fn benchmark_model(event: &str, bytes: &[u8], options: JsValue, on_progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let o: BenchOpts = if options.is_undefined() || options.is_null() { BenchOpts::default() } else { from_js(options, "options")? };
    let id = event_id(event)?;
    let opts = crate::submission::options(o.budget_s, o.seed.unwrap_or_else(crate::submission::fresh_seed), o.per_layer).map_err(js_err)?;
    let e = crate::submission::load_entry(id, bytes).map_err(js_err)?;
    let r = crate::submission::reference(id).map_err(js_err)?;
    let clock = HostClock::new().map_err(js_err)?;
    let candidate = crate::profiler::benchmark::ModelCandidate { model: &e.model, kernels: &e.kernels };
    let budget = crate::submission::logit_budget(&e, &r.1, false);
    let report = crate::profiler::benchmark::benchmark_model(&clock, &candidate, &r.0, budget, &opts, &mut progress_fn(on_progress)).map_err(js_err)?;
    to_js(&report)
}

/// `submitEntry` for an entry with its own WebAssembly kernel (`wasm`), and optionally its own
/// weights (`package`, else the event's reference weights). Run it in a dedicated Worker: a kernel
/// that never returns can only be stopped by terminating the worker.
#[wasm_bindgen(js_name = submitCustomEntry)]
pub fn submit_custom_entry(submission: JsValue, wasm: &[u8], package: Option<Vec<u8>>, on_progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let s: crate::submission::Submission = from_js(submission, "submission")?;
    let clock = HostClock::new().map_err(js_err)?;
    let entry = crate::submission::submit_custom_entry(&clock, &s, wasm, package.as_deref(), &JsKernelCheck, &mut progress_fn(on_progress)).map_err(js_err)?;
    to_js(&entry)
}
