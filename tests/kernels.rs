//! Every GEMM variant against the scalar reference at sizes around the vector width, the models' real
//! shapes, and special values. Runs natively and in wasm (Node); SIMD variants exist only in wasm.
use tinymlperf::kernels::{self, gemm::scalar::f32_gemm as reference, tolerance, Act, GemmShape};
use tinymlperf::profiler::kernel_bench::seeded_values;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Sizes around the f32x4 width and the 4×8 tile: 0, 1, w−1, w, w+1, 2w+1, primes, 2^k ± 1.
const EDGE: [usize; 11] = [0, 1, 3, 4, 5, 9, 17, 63, 64, 65, 129];
/// Real GEMM shapes of the three events (batch 1, 64 and the transformer's 64 tokens).
const MODEL_SHAPES: [(usize, usize, usize); 9] =
    [(64, 784, 128), (64, 128, 64), (64, 64, 10), (1, 784, 128), (1, 128, 64), (1, 64, 10), (64, 64, 64), (64, 64, 256), (64, 256, 64)];

fn check(name: &str, f: kernels::GemmFn, s: GemmShape, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act) {
    let mut want = vec![f32::NAN; s.m * s.n];
    let mut got = vec![f32::NAN; s.m * s.n];
    reference(s, a, b, bias, act, &mut want);
    f(s, a, b, bias, act, &mut got);
    if let Some((i, g, w)) = tolerance::F32_EXACT.first_mismatch(&got, &want) {
        panic!("{name} {s:?} {act:?} bias={}: element {i} (row {}, col {}) = {g}, reference {w}", bias.is_some(), i / s.n.max(1), i % s.n.max(1));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gemm_variants_match_reference_at_edge_sizes() {
    let variants = kernels::gemm_variants();
    #[cfg(target_arch = "wasm32")]
    assert!(variants.len() >= 2, "wasm build must carry the SIMD GEMM: {:?}", variants.iter().map(|v| v.0).collect::<Vec<_>>());
    let mut cases = 0;
    for (name, f) in &variants {
        for (si, &m) in EDGE.iter().enumerate() {
            for &k in &EDGE {
                for &n in &EDGE {
                    let s = GemmShape { m, k, n };
                    let a = seeded_values(si as u64 * 7 + k as u64, m * k);
                    let b = seeded_values(n as u64 * 13 + 5, k * n);
                    let bias = seeded_values(99, n);
                    let act = [Act::None, Act::Relu][(m + k + n) % 2];
                    check(name, *f, s, &a, &b, Some(&bias), act);
                    check(name, *f, s, &a, &b, None, Act::Relu);
                    cases += 2;
                }
            }
        }
    }
    assert_eq!(cases, variants.len() * 2 * EDGE.len().pow(3));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gemm_variants_match_reference_on_model_shapes() {
    for (name, f) in kernels::gemm_variants() {
        for (i, &(m, k, n)) in MODEL_SHAPES.iter().enumerate() {
            let s = GemmShape { m, k, n };
            let (a, b, bias) = (seeded_values(i as u64, m * k), seeded_values(100 + i as u64, k * n), seeded_values(200, n));
            for act in [Act::None, Act::Relu, Act::Gelu] {
                check(name, f, s, &a, &b, Some(&bias), act);
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gemm_variants_propagate_special_values() {
    let s = GemmShape { m: 5, k: 9, n: 17 };
    let mut a = seeded_values(1, s.m * s.k);
    let b = seeded_values(2, s.k * s.n);
    a[0] = f32::NAN; // row 0 becomes NaN everywhere
    a[s.k] = 1e30; // row 1 overflows to ±inf in some columns
    a[2 * s.k] = 0.0;
    for (name, f) in kernels::gemm_variants() {
        for act in [Act::None, Act::Relu] {
            check(name, f, s, &a, &b, None, act);
            let mut c = vec![0.0; s.m * s.n];
            f(s, &a, &b, None, act, &mut c);
            assert!(c[..s.n].iter().all(|v| v.is_nan()), "{name}: NaN input must stay NaN through {act:?}, got {:?}", &c[..s.n]);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn tolerance_tiers_behave() {
    use tolerance::*;
    assert!(F32_EXACT.accepts(1.0, 1.0) && !F32_EXACT.accepts(1.0, 1.0 + f32::EPSILON));
    assert!(F32_REASSOCIATED.accepts(1.000_005, 1.0) && !F32_REASSOCIATED.accepts(1.001, 1.0));
    assert!(F32_APPROX.accepts(f32::NAN, f32::NAN) && !F32_APPROX.accepts(0.0, f32::NAN));
    assert!(!F32_APPROX.accepts(f32::INFINITY, 1e30) && F32_APPROX.accepts(f32::NEG_INFINITY, f32::NEG_INFINITY));
    assert_eq!(F32_EXACT.first_mismatch(&[1.0, 2.0], &[1.0, 3.0]), Some((1, 2.0, 3.0)));
}
