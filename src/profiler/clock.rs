//! The one clock abstraction: [`Clock`] is what the profiler times with. [`HostClock`] is the real
//! one: in wasm it reads `performance.now()` through web-sys from whichever global scope it runs in (a
//! Window, a dedicated Worker, or Node's `globalThis.performance`); natively it uses
//! `std::time::Instant` (which panics on wasm32-unknown-unknown, hence the split). Tests drive the
//! statistics with a synthetic clock that implements the same trait.

/// A monotonic millisecond clock.
pub trait Clock {
    /// Milliseconds since some fixed origin; never decreases.
    fn now_ms(&self) -> f64;

    /// Where the readings come from (`window`, `worker`, `node`, `native`, or a test clock's name).
    fn scope(&self) -> &'static str;

    /// Smallest non-zero step the clock shows, in ms (5 µs when cross-origin isolated, 100 µs otherwise
    /// in Chromium, sub-µs natively). Measured by spinning until the reading changes, several times.
    fn resolution_ms(&self) -> f64 {
        let mut best = f64::INFINITY;
        for _ in 0..20 {
            let t0 = self.now_ms();
            let mut t1 = t0;
            let mut spins = 0u32;
            while t1 == t0 && spins < 10_000_000 {
                t1 = self.now_ms();
                spins += 1;
            }
            if t1 > t0 {
                best = best.min(t1 - t0);
            }
        }
        best
    }
}

/// The host's monotonic clock, in milliseconds since it was created.
pub struct HostClock {
    #[cfg(target_arch = "wasm32")]
    perf: web_sys::Performance,
    #[cfg(target_arch = "wasm32")]
    origin: f64,
    #[cfg(not(target_arch = "wasm32"))]
    origin: std::time::Instant,
    scope: &'static str,
}

impl HostClock {
    /// Finds the high-resolution timer of the current scope.
    pub fn new() -> crate::Result<Self> {
        #[cfg(target_arch = "wasm32")]
        {
            use wasm_bindgen::JsCast;
            let global = js_sys::global();
            let (perf, scope) = if let Some(w) = global.dyn_ref::<web_sys::Window>() {
                (w.performance(), "window")
            } else if let Some(w) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
                (w.performance(), "worker")
            } else {
                // Node and other hosts expose `globalThis.performance` without a Window.
                let p = js_sys::Reflect::get(&global, &"performance".into()).ok().filter(|p| !p.is_undefined());
                (p.map(|p| p.unchecked_into::<web_sys::Performance>()), "node")
            };
            let perf = perf.ok_or_else(|| crate::Error::format("host", "no performance.now() in this global scope"))?;
            let origin = perf.now();
            Ok(HostClock { perf, origin, scope })
        }
        #[cfg(not(target_arch = "wasm32"))]
        Ok(HostClock { origin: std::time::Instant::now(), scope: "native" })
    }
}

impl Clock for HostClock {
    fn now_ms(&self) -> f64 {
        #[cfg(target_arch = "wasm32")]
        return self.perf.now() - self.origin;
        #[cfg(not(target_arch = "wasm32"))]
        return self.origin.elapsed().as_secs_f64() * 1e3;
    }

    fn scope(&self) -> &'static str {
        self.scope
    }
}
