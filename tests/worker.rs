//! web-sys in a dedicated Worker (headless Chromium via chromedriver): the Clock finds
//! `performance.now()` on the WorkerGlobalScope, where the page runs every event.
#![cfg(target_arch = "wasm32")]
use tinymlperf::profiler::{Clock, HostClock};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn clock_reads_worker_performance_now() {
    let c = HostClock::new().expect("a dedicated worker has performance.now()");
    assert_eq!(c.scope(), "worker");
    let (a, b) = (c.now_ms(), c.now_ms());
    assert!(b >= a && a >= 0.0);
    let r = c.resolution_ms();
    assert!(r > 0.0 && r <= 1.0, "resolution {r} ms");
}
