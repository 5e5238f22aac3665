//! What every report records about where it ran, and plain-language warnings about what that means
//! for the figures.
use super::Clock;
use serde::{Deserialize, Serialize};

/// The run's environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// `navigator.userAgent` (or `native <os>/<arch>`).
    pub user_agent: String,
    /// `navigator.hardwareConcurrency` (or the native thread count); 0 when unknown.
    pub hardware_concurrency: u32,
    /// `crossOriginIsolated` of the global scope (always true natively: no coarsening).
    pub cross_origin_isolated: bool,
    /// Clock scope (`window`, `worker`, `node`, `native`).
    pub clock_scope: String,
    /// Measured timer resolution, ms.
    pub timer_resolution_ms: f64,
    /// True when this build runs WebAssembly SIMD128 kernels: every wasm build does, and a module
    /// containing v128 instructions only compiles where SIMD is supported, so running at all is the
    /// feature test (the page reports a browser without SIMD when the module fails to compile).
    pub simd128: bool,
    /// True when the dense layers ran on the relaxed-SIMD kernels (`f32x4.relaxed_madd`): the page
    /// found relaxed SIMD and installed them (`kernels::gemm::relaxed`). Absent in older entries.
    #[serde(default)]
    pub relaxed_simd: bool,
    /// Crate version plus build id (`TINYMLPERF_BUILD_ID` at build time, the git commit in CI builds).
    pub build_id: String,
    /// Things a reader of the results should know, in words.
    pub warnings: Vec<String>,
}

/// Timer resolution above which results are flagged as coarse (Chromium gives 5 µs when isolated,
/// 100 µs otherwise).
pub const COARSE_TIMER_MS: f64 = 0.02;

/// The build id: version and, when the build script set it, the commit.
pub fn build_id() -> String {
    match option_env!("TINYMLPERF_BUILD_ID") {
        Some(id) if !id.is_empty() => format!("{}+{id}", env!("CARGO_PKG_VERSION")),
        _ => env!("CARGO_PKG_VERSION").to_string(),
    }
}

#[cfg(target_arch = "wasm32")]
fn host() -> (String, u32, bool) {
    use js_sys::Reflect;
    let global = js_sys::global();
    let get = |o: &wasm_bindgen::JsValue, k: &str| Reflect::get(o, &k.into()).ok().filter(|v| !v.is_undefined());
    let nav = get(&global, "navigator");
    let ua = nav.as_ref().and_then(|n| get(n, "userAgent")).and_then(|v| v.as_string()).unwrap_or_else(|| "unknown host".into());
    let cores = nav.as_ref().and_then(|n| get(n, "hardwareConcurrency")).and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
    let isolated = get(&global, "crossOriginIsolated").and_then(|v| v.as_bool()).unwrap_or(false);
    (ua, cores, isolated)
}

#[cfg(not(target_arch = "wasm32"))]
fn host() -> (String, u32, bool) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get() as u32);
    (format!("native {}/{}", std::env::consts::OS, std::env::consts::ARCH), cores, true)
}

impl Environment {
    /// Reads the host and measures the clock.
    pub fn capture(clock: &dyn Clock) -> Self {
        let (user_agent, hardware_concurrency, cross_origin_isolated) = host();
        let timer_resolution_ms = clock.resolution_ms();
        let simd128 = cfg!(target_arch = "wasm32");
        #[cfg(target_arch = "wasm32")]
        let relaxed_simd = crate::kernels::gemm::relaxed::installed().is_some();
        #[cfg(not(target_arch = "wasm32"))]
        let relaxed_simd = false;
        let mut warnings = Vec::new();
        if !cross_origin_isolated {
            warnings.push(
                "The page is not cross-origin isolated, so the browser coarsens performance.now() (to 100 µs in Chromium). Each timed sample is lengthened to 100 timer ticks, so results stay valid, but runs take longer and short kernels cannot be timed one call at a time."
                    .into(),
            );
        }
        if timer_resolution_ms > COARSE_TIMER_MS {
            warnings.push(format!(
                "The timer resolution is {:.0} µs (5 µs is usual when isolated). Samples are calibrated to 100× that, so fewer rounds fit in the time budget and the confidence intervals are wider.",
                timer_resolution_ms * 1000.0
            ));
        }
        Environment { user_agent, hardware_concurrency, cross_origin_isolated, clock_scope: clock.scope().into(), timer_resolution_ms, simd128, relaxed_simd, build_id: build_id(), warnings }
    }
}
