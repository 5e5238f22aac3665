//! Contestants' own WebAssembly kernels through the engine (wasm only: the engine instantiates them
//! with the host's `WebAssembly`). Fixtures come from `scripts/build-contest.sh` (run by
//! `scripts/test.sh` before this layer): the template kernel, two cheaters, and hostile modules.
//! A kernel that loops forever is stopped by the page's worker watchdog (tests/e2e).
#![cfg(target_arch = "wasm32")]
use tinymlperf::format::wasm_module;
use tinymlperf::profiler::HostClock;
use tinymlperf::scoring::Division;
use tinymlperf::submission::{self, Submission};
use wasm_bindgen_test::wasm_bindgen_test;

const TEMPLATE: &[u8] = include_bytes!("../target/contest/kernel-template.wasm");
const CHEAT_LOOKUP: &[u8] = include_bytes!("../target/contest/cheat-lookup.wasm");
const CHEAT_CACHE: &[u8] = include_bytes!("../target/contest/cheat-cache.wasm");
const IMPORTS: &[u8] = include_bytes!("../target/contest/hostile-imports.wasm");
const LOOP: &[u8] = include_bytes!("../target/contest/hostile-loop.wasm");
const OOB: &[u8] = include_bytes!("../target/contest/hostile-oob.wasm");
const WRONG: &[u8] = include_bytes!("../target/contest/hostile-wrong.wasm");
const NOT_WASM: &[u8] = include_bytes!("../target/contest/hostile-not-wasm.wasm");

fn submission(team: &str, seed: u64) -> Submission {
    Submission { team: team.into(), event: "mlp_sprint".into(), description: String::new(), url: String::new(), package_url: String::new(), budget_s: Some(1.0), seed: Some(seed), submitted_at: Some(1.7e12), per_layer: false }
}

fn submit(wasm: &[u8], seed: u64) -> tinymlperf::Result<submission::Entry> {
    let clock = HostClock::new().unwrap();
    submission::submit_custom_entry(&clock, &submission("kernel", seed), wasm, None, &mut |_| {})
}

#[wasm_bindgen_test]
fn the_template_kernel_passes_every_check_and_is_scored() {
    let m = wasm_module::inspect(TEMPLATE).unwrap();
    assert_eq!(m.simd_instructions, 0, "the template is scalar");
    let e = submit(TEMPLATE, 77).unwrap();
    e.validate().unwrap();
    assert_eq!(e.division(), Division::Closed, "{}", e.gate.reason);
    let eq = &e.report.equivalence;
    assert!(eq.passed && eq.agreement == 1.0 && eq.rel_rms < 1e-5, "{eq:?}");
    assert_eq!(e.report.accuracy.candidate, e.report.accuracy.reference, "scalar template = scalar reference");
    assert_eq!(e.report.seed, 77);
    assert!(e.report.kernels.starts_with("custom wasm "));
    assert!(e.kernel.as_ref().is_some_and(|k| k.sha256 == m.sha256));
    let ck = e.innovation.techniques.iter().find(|t| t.id == "custom_kernels").unwrap();
    assert!(!ck.detected && ck.evidence.iter().any(|l| l.contains("no SIMD instructions")), "{ck:?}");
    assert!(e.report.timing.speedup > 0.3 && e.report.timing.speedup < 3.0, "a scalar kernel is about as fast as the scalar baseline: {}", e.report.timing.speedup);
}

#[wasm_bindgen_test]
fn a_kernel_that_answers_the_public_split_by_hash_is_caught_and_rejected() {
    let msg = submit(CHEAT_LOOKUP, 4242).unwrap_err().to_string();
    assert!(msg.starts_with("entry rejected: it scores") && msg.contains("better on the public test split than on fresh inputs"), "{msg}");
    assert!(msg.contains("public split 100.00%") && msg.contains("run seed 4242"), "the figures and the seed are in the message: {msg}");
}

#[wasm_bindgen_test]
fn a_kernel_that_caches_its_last_output_is_caught_and_rejected() {
    let msg = submit(CHEAT_CACHE, 5).unwrap_err().to_string();
    assert!(msg.starts_with("entry rejected:") && msg.contains("fresh inputs") && msg.contains("run seed 5"), "{msg}");
}

#[wasm_bindgen_test]
fn hostile_modules_are_refused_with_clear_messages() {
    let err = |w: &[u8]| submit(w, 1).unwrap_err().to_string();
    assert!(err(IMPORTS).contains("imports function env.phone_home; kernels must be self-contained"));
    assert!(err(NOT_WASM).contains("not a WebAssembly module"));
    assert!(err(OOB).contains("forward trapped: memory access out of bounds"), "{}", err(OOB));
    let wrong = err(WRONG);
    assert!(wrong.starts_with("entry rejected: its accuracy on fresh inputs is"), "{wrong}");
    // Truncated module: invalid, refused before compiling.
    assert!(err(&TEMPLATE[..TEMPLATE.len() / 2]).contains("not valid WebAssembly"));
    // The looping module is valid and has the ABI; only running it would show the loop.
    wasm_module::inspect(LOOP).unwrap();
    // Too big.
    assert!(err(&vec![0u8; wasm_module::MAX_KERNEL_BYTES + 1]).contains("over the limit"));
}

#[wasm_bindgen_test]
fn a_missing_export_is_named() {
    // The template with its `forward` export renamed, byte for byte the same length.
    let mut w = TEMPLATE.to_vec();
    let at = w.windows(7).position(|s| s == b"forward").expect("export name present");
    w[at..at + 7].copy_from_slice(b"backwar");
    let msg = submit(&w, 1).unwrap_err().to_string();
    assert!(msg.contains("lacks the kernel ABI's exports: forward"), "{msg}");
}
