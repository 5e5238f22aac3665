//! Whole-model equivalence: each event's fast fp32 path (`kernels::best()`, SIMD128 in wasm) against
//! the scalar baseline on the entire held-out split. Logits must agree within `MODEL_LOGITS`, and every
//! prediction must be identical unless the baseline's top two logits are closer than that tolerance
//! (an honest near-tie, counted and bounded). Natively `best()` is the scalar table (the comparison
//! would be the baseline against itself), so this binary is wasm-only (`npm test`'s wasm-node layer).
#![cfg(target_arch = "wasm32")]
use tinymlperf::events::{load_benchmark, EventId};
use tinymlperf::kernels::{self, tolerance::MODEL_LOGITS};
use tinymlperf::models::argmax;

use wasm_bindgen_test::wasm_bindgen_test;

const BATCH: usize = 64;

fn check_event(id: EventId) {
    let bench = load_benchmark(id).unwrap();
    let (base, best) = (kernels::scalar(), kernels::best());
    let classes = bench.model.classes();
    let n = bench.dataset.len();
    let labels = bench.dataset.labels();
    let (mut correct_base, mut correct_best, mut near_ties, mut worst) = (0, 0, 0, 0.0f32);
    let mut start = 0;
    while start < n {
        let count = BATCH.min(n - start);
        let input = bench.dataset.inputs(start, count);
        let l0 = bench.model.forward(&base, input.as_input(), count).unwrap();
        let l1 = bench.model.forward(&best, input.as_input(), count).unwrap();
        for s in 0..count {
            let (r0, r1) = (&l0[s * classes..][..classes], &l1[s * classes..][..classes]);
            if let Some((i, g, w)) = MODEL_LOGITS.first_mismatch(r1, r0) {
                panic!("{}: sample {}: logit {i} = {g} on {}, baseline {w}", id.as_str(), start + s, best.name);
            }
            worst = r0.iter().zip(r1).map(|(a, b)| (a - b).abs()).fold(worst, f32::max);
            let (p0, p1) = (argmax(r0), argmax(r1));
            if p0 != p1 {
                let mut sorted = r0.to_vec();
                sorted.sort_by(|a, b| b.total_cmp(a));
                assert!(sorted[0] - sorted[1] <= 2.0 * MODEL_LOGITS.abs, "{}: sample {} predicted {p1}, baseline {p0}, not a near-tie", id.as_str(), start + s);
                near_ties += 1;
            }
            correct_base += (p0 == labels[start + s] as usize) as usize;
            correct_best += (p1 == labels[start + s] as usize) as usize;
        }
        start += count;
    }
    assert_eq!(correct_base, bench.recorded_correct, "{}: baseline accuracy must equal the recorded one", id.as_str());
    assert!(near_ties <= 2, "{}: {near_ties} prediction flips on near-ties", id.as_str());
    assert!(correct_best.abs_diff(correct_base) <= near_ties);
    println!("{}: {n} samples, max |Δlogit| {worst:.2e}, near-tie flips {near_ties}, accuracy {} vs {}", id.as_str(), correct_best, correct_base);
}

#[wasm_bindgen_test]
fn mlp_fast_path_matches_baseline_on_heldout() {
    check_event(EventId::MlpSprint);
}

#[wasm_bindgen_test]
fn cnn_fast_path_matches_baseline_on_heldout() {
    check_event(EventId::CnnMarathon);
}

#[wasm_bindgen_test]
fn transformer_fast_path_matches_baseline_on_heldout() {
    check_event(EventId::TransformerDecathlon);
}
