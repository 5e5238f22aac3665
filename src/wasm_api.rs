//! The only module that touches wasm-bindgen: typed serde structs in and out, `Result<_, JsError>`
//! with readable messages, never a panic across the boundary.
use crate::kernels::GemmShape;
use crate::profiler::{kernel_bench, Clock, RunConfig};
use wasm_bindgen::prelude::*;

/// Largest GEMM side the demo accepts, so a typo cannot allocate gigabytes.
const MAX_DEMO_DIM: usize = 4096;

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
    let clock = Clock::new().map_err(|e| JsError::new(&e.to_string()))?;
    let report = kernel_bench::gemm_scalar_vs_best(&clock, GemmShape { m, k, n }, RunConfig { batch_ms, rounds, warmup: 2 });
    serde_wasm_bindgen::to_value(&report).map_err(|e| JsError::new(&e.to_string()))
}

/// Runs the kernel benchmark (measured peak, every kernel variant on every real model shape, whole-model
/// latency per path unless `with_models` is false) and returns the `BenchReport`. `quick` shortens it for smoke tests; its figures
/// are not meant to be read.
#[wasm_bindgen(js_name = benchKernels)]
pub fn bench_kernels(quick: bool, with_models: bool) -> Result<JsValue, JsError> {
    let clock = Clock::new().map_err(|e| JsError::new(&e.to_string()))?;
    let report = kernel_bench::bench_kernels(&clock, quick, with_models).map_err(|e| JsError::new(&e.to_string()))?;
    serde_wasm_bindgen::to_value(&report).map_err(|e| JsError::new(&e.to_string()))
}

/// What the page shows about one event.
#[derive(serde::Serialize)]
struct BenchmarkInfo {
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

/// Loads an event (`mlp_sprint`, `cnn_marathon`, `transformer_decathlon`): parses and validates its
/// embedded weights, generates its held-out split, and returns what the page shows about it. An unknown
/// id is an error listing the known ones.
#[wasm_bindgen(js_name = loadBenchmark)]
pub fn load_benchmark(event: &str) -> Result<JsValue, JsError> {
    let id: crate::events::EventId = event.parse().map_err(|e: crate::Error| JsError::new(&e.to_string()))?;
    let b = crate::events::load_benchmark(id).map_err(|e| JsError::new(&e.to_string()))?;
    let info = BenchmarkInfo {
        id: b.spec.id.as_str(),
        title: b.spec.title,
        architecture: b.spec.architecture,
        input_shape: b.spec.input_shape,
        classes: b.spec.classes,
        params: b.model.param_count(),
        flops_per_inference: b.model.flops_per_inference(),
        heldout_samples: b.dataset.len(),
        recorded_accuracy: b.recorded_accuracy,
        accuracy_threshold: b.spec.accuracy_threshold,
        weights_sha256: b.weights_sha256,
    };
    serde_wasm_bindgen::to_value(&info).map_err(|e| JsError::new(&e.to_string()))
}
