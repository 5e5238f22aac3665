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

/// GEMMs accumulate in the reference's order, so they are exact, except that a GELU epilogue uses the
/// vector tanh approximation.
fn tier(act: Act) -> tolerance::Tolerance {
    if act == Act::Gelu {
        tolerance::F32_APPROX
    } else {
        tolerance::F32_EXACT
    }
}

fn check(name: &str, f: kernels::GemmFn, s: GemmShape, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act) {
    let mut want = vec![f32::NAN; s.m * s.n];
    let mut got = vec![f32::NAN; s.m * s.n];
    reference(s, a, b, bias, act, &mut want);
    f(s, a, b, bias, act, &mut got);
    if let Some((i, g, w)) = tier(act).first_mismatch(&got, &want) {
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

// ---- every slot of the best table against the scalar table -------------------------------------

use tinymlperf::kernels::{AttnShape, Conv3x3Shape, Kernels};
use tolerance::Tolerance;

fn assert_close(what: &str, tol: Tolerance, got: &[f32], want: &[f32]) {
    if let Some((i, g, w)) = tol.first_mismatch(got, want) {
        panic!("{what}: element {i} = {g}, reference {w} (tolerance {tol:?})");
    }
}

fn tables() -> (Kernels, Kernels) {
    (kernels::scalar(), kernels::best())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn elementwise_and_row_ops_match_reference_at_edge_sizes() {
    let (r, b) = tables();
    for (si, &len) in EDGE.iter().enumerate() {
        let x: Vec<f32> = seeded_values(si as u64 + 40, len).iter().map(|v| v * 6.0).collect();
        let (mut x0, mut x1) = (x.clone(), x.clone());
        (r.relu)(&mut x0);
        (b.relu)(&mut x1);
        assert_close(&format!("relu len {len}"), tolerance::F32_EXACT, &x1, &x0);
        let (mut x0, mut x1) = (x.clone(), x.clone());
        (r.gelu)(&mut x0);
        (b.gelu)(&mut x1);
        assert_close(&format!("gelu len {len}"), tolerance::F32_APPROX, &x1, &x0);
        for &cols in &EDGE[1..] {
            let rows = 3;
            let x: Vec<f32> = seeded_values(cols as u64, rows * cols).iter().map(|v| v * 10.0).collect();
            let (mut s0, mut s1) = (x.clone(), x.clone());
            (r.softmax)(&mut s0, cols);
            (b.softmax)(&mut s1, cols);
            assert_close(&format!("softmax {rows}x{cols}"), tolerance::F32_APPROX, &s1, &s0);
            let g = seeded_values(7, cols);
            let be = seeded_values(8, cols);
            let (mut l0, mut l1) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            (r.layernorm)(&x, rows, cols, &g, &be, 1e-5, &mut l0);
            (b.layernorm)(&x, rows, cols, &g, &be, 1e-5, &mut l1);
            assert_close(&format!("layernorm {rows}x{cols}"), tolerance::F32_REASSOCIATED, &l1, &l0);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn maxpool_matches_reference() {
    let (r, b) = tables();
    for &(planes, h, w) in &[(1, 2, 2), (3, 5, 9), (8, 28, 28), (16, 14, 14), (2, 17, 33), (1, 1, 8), (4, 64, 65), (2, 6, 10), (3, 4, 12), (2, 8, 15), (2, 3, 7), (2, 4, 16), (2, 6, 19)] {
        let x = seeded_values((h * w) as u64, planes * h * w);
        let mut o0 = vec![0.0; planes * (h / 2) * (w / 2)];
        let mut o1 = o0.clone();
        (r.maxpool2)(planes, h, w, &x, &mut o0);
        (b.maxpool2)(planes, h, w, &x, &mut o1);
        assert_close(&format!("maxpool {planes}x{h}x{w}"), tolerance::F32_EXACT, &o1, &o0);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn conv3x3_matches_reference_on_edge_and_model_shapes() {
    let (r, b) = tables();
    let mut shapes = vec![
        Conv3x3Shape { n: 2, cin: 1, cout: 8, h: 28, w: 28 }, // CNN layer 1 (direct path)
        Conv3x3Shape { n: 2, cin: 8, cout: 16, h: 14, w: 14 }, // CNN layer 2
        Conv3x3Shape { n: 3, cin: 8, cout: 6, h: 14, w: 14 }, // a partial 4-channel group, 3 images
    ];
    for &cin in &[1, 2, 3] {
        for &cout in &[1, 3, 5] {
            for &(h, w) in &[(1, 1), (1, 5), (3, 4), (5, 3), (4, 9), (9, 17)] {
                shapes.push(Conv3x3Shape { n: 1, cin, cout, h, w });
            }
        }
    }
    // Row tails of the SIMD kernel's 8- and 4-wide tiles: every width up to 17 (rows narrower than 4,
    // two 4-wide tiles, 8 + 4, 8 + an 8-wide tile ending at the row's end, ...), full and partial
    // channel groups, two images.
    for w in 1..=17 {
        for &(cin, cout) in &[(1, 4), (2, 8), (3, 7)] {
            shapes.push(Conv3x3Shape { n: 2, cin, cout, h: 3 + w % 3, w });
        }
    }
    for s in shapes {
        let x = seeded_values((s.cin * 31 + s.h) as u64, s.n * s.cin * s.h * s.w);
        let wgt = seeded_values((s.cout * 17 + s.w) as u64, s.cout * s.cin * 9);
        let bias = seeded_values(5, s.cout);
        for act in [Act::None, Act::Relu] {
            let mut o0 = vec![0.0; s.n * s.cout * s.h * s.w];
            // Sentinels past the end: a kernel writes only its outputs.
            let mut o1 = vec![f32::NAN; o0.len()];
            o1.extend([12345.0; 8]);
            (r.conv3x3)(s, &x, &wgt, &bias, act, &mut o0);
            (b.conv3x3)(s, &x, &wgt, &bias, act, &mut o1);
            assert_eq!(o1[o0.len()..], [12345.0; 8], "conv3x3 {s:?} wrote past its output");
            assert_close(&format!("conv3x3 {s:?} {act:?}"), tolerance::F32_REASSOCIATED, &o1[..o0.len()], &o0);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn attention_matches_reference() {
    let (r, b) = tables();
    for &(seq, heads, d) in &[(64, 4, 16), (1, 1, 1), (5, 2, 3), (17, 3, 4), (9, 1, 5), (65, 2, 8), (7, 2, 12), (66, 1, 20), (3, 4, 16), (128, 2, 16)] {
        // Scores of a few units, and peaked ones (spreads of hundreds: most weights underflow).
        for amp in [2.0f32, 12.0] {
            let w = heads * d;
            let q: Vec<f32> = seeded_values(1 + seq as u64, seq * w).iter().map(|v| v * amp).collect();
            let k: Vec<f32> = seeded_values(2 + seq as u64, seq * w).iter().map(|v| v * amp).collect();
            let v = seeded_values(3 + seq as u64, seq * w);
            let s = AttnShape { seq, heads, head_dim: d };
            let (mut o0, mut o1) = (vec![0.0; seq * w], vec![0.0; seq * w]);
            (r.attention)(&q, &k, &v, s, &mut o0);
            (b.attention)(&q, &k, &v, s, &mut o1);
            assert_close(&format!("attention {s:?} amplitude {amp}"), tolerance::F32_APPROX, &o1, &o0);
        }
    }
}

/// Measures the vector exp/tanh approximations against libm over their useful ranges and checks the
/// bounds documented in `kernels/act/simd128.rs`. Prints the measured figures.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
fn exp_tanh_approximation_error() {
    use core::arch::wasm32::*;
    use tinymlperf::kernels::act::simd128::{exp_v, tanh_v};
    let (mut exp_rel, mut tanh_abs) = (0.0f64, 0.0f64);
    let mut x = -87.0f32;
    while x < 88.0 {
        let e = unsafe { f32x4_extract_lane::<0>(exp_v(f32x4_splat(x))) } as f64;
        let want = libm::exp(x as f64);
        exp_rel = exp_rel.max(((e - want) / want).abs());
        x += 0.0137;
    }
    let mut x = -12.0f32;
    while x < 12.0 {
        let t = unsafe { f32x4_extract_lane::<0>(tanh_v(f32x4_splat(x))) } as f64;
        tanh_abs = tanh_abs.max((t - libm::tanh(x as f64)).abs());
        x += 0.000_97;
    }
    wasm_bindgen_test::console_log!("exp max rel err {exp_rel:.3e}, tanh max abs err {tanh_abs:.3e}");
    assert!(exp_rel <= 2e-7, "exp max relative error {exp_rel:e} over the documented 2e-7");
    assert!(tanh_abs <= 3e-7, "tanh max absolute error {tanh_abs:e} over the documented 3e-7");
    // Extremes stay finite and ordered.
    let big = unsafe { f32x4_extract_lane::<0>(exp_v(f32x4_splat(1000.0))) };
    let small = unsafe { f32x4_extract_lane::<0>(exp_v(f32x4_splat(-1000.0))) };
    assert!(big.is_finite() && big > 1e38 && small >= 0.0 && small < 1e-37);
}

/// The cheaper `exp2_v` (softmax, attention) and the GELU built on it, against f64 over their ranges:
/// the bounds documented in `kernels/act/simd128.rs`, and GELU's special values.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
fn exp2_gelu_approximation_error() {
    use core::arch::wasm32::*;
    use tinymlperf::kernels::act::simd128::{exp2_v, exp2_v_deg4, gelu_v};
    let lane = |v: v128| unsafe { f32x4_extract_lane::<0>(v) };
    let (mut exp2_rel, mut exp2_deg4_rel) = (0.0f64, 0.0f64);
    let mut t = -126.0f32;
    while t <= 126.0 {
        let want = libm::exp2(t as f64);
        exp2_rel = exp2_rel.max(((lane(unsafe { exp2_v(f32x4_splat(t)) }) as f64 - want) / want).abs());
        exp2_deg4_rel = exp2_deg4_rel.max(((lane(unsafe { exp2_v_deg4(f32x4_splat(t)) }) as f64 - want) / want).abs());
        t += 0.000_731;
    }
    assert!(exp2_deg4_rel <= 3e-6, "exp2 (degree 4) max relative error {exp2_deg4_rel:e} over the documented 2.9e-6");
    // 0.5·x·(1 + tanh(u)) as x / (1 + e^{−2u}), which f64 evaluates without cancellation for u ≪ 0.
    let gelu = |x: f64| x / (1.0 + libm::exp(-2.0 * 0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)));
    let (mut gelu_rel, mut gelu_abs) = (0.0f64, 0.0f64);
    let mut x = -40.0f32;
    while x <= 40.0 {
        let (got, want) = (lane(unsafe { gelu_v(f32x4_splat(x)) }) as f64, gelu(x as f64));
        gelu_abs = gelu_abs.max((got - want).abs());
        if want.abs() > 1e-30 {
            gelu_rel = gelu_rel.max(((got - want) / want).abs());
        }
        x += 0.000_37;
    }
    wasm_bindgen_test::console_log!("exp2 max rel err {exp2_rel:.3e} (degree 4: {exp2_deg4_rel:.3e}); gelu max rel err {gelu_rel:.3e}, max abs err {gelu_abs:.3e}");
    assert!(exp2_rel <= 2e-7, "exp2 max relative error {exp2_rel:e} over the documented 2e-7");
    assert!(gelu_rel <= 1e-5 && gelu_abs <= 1e-6, "gelu max errors rel {gelu_rel:e}, abs {gelu_abs:e} over the documented 1e-5, 1e-6");
    // Far tails: x itself, and a value below |x|·2^-126 that is never denormal; NaN stays NaN.
    for x in [1e3f32, 1e30, f32::INFINITY] {
        assert_eq!(lane(unsafe { gelu_v(f32x4_splat(x)) }), x);
    }
    for x in [-10.0f32, -1e3, -1e30] {
        let g = lane(unsafe { gelu_v(f32x4_splat(x)) });
        assert!(g <= 0.0 && g.is_normal() && g.abs() <= x.abs() * 1.2e-38 * 1.01, "gelu({x}) = {g}");
    }
    assert!(lane(unsafe { gelu_v(f32x4_splat(f32::NAN)) }).is_nan());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn linear_variants_on_packed_weights_match_reference() {
    use tinymlperf::kernels::DenseWeights;
    let variants = kernels::linear_variants();
    #[cfg(target_arch = "wasm32")]
    assert!(variants.len() >= 2);
    let mut shapes: Vec<(usize, usize, usize)> = MODEL_SHAPES.to_vec();
    for &m in &EDGE {
        for &k in &EDGE {
            for &n in &[0usize, 1, 3, 7, 8, 9, 10, 17, 64, 65] {
                shapes.push((m, k, n));
            }
        }
    }
    for (name, f) in variants {
        for &(m, k, n) in &shapes {
            let s = GemmShape { m, k, n };
            let (a, b, bias) = (seeded_values(m as u64 + 3, m * k), seeded_values(k as u64 + 5, k * n), seeded_values(n as u64, n));
            let w = DenseWeights::new(k, n, b.clone());
            for (bias, act) in [(Some(&bias[..]), Act::Relu), (None, Act::None), (Some(&bias[..]), Act::Gelu)] {
                let mut want = vec![f32::NAN; m * n];
                let mut got = vec![f32::NAN; m * n];
                reference(s, &a, &b, bias, act, &mut want);
                f(m, &a, &w, bias, act, &mut got);
                if let Some((i, g, wv)) = tier(act).first_mismatch(&got, &want) {
                    panic!("{name} {s:?} {act:?}: element {i} = {g}, reference {wv}");
                }
            }
        }
    }
}
