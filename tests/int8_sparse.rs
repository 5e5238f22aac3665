//! INT8 and block-sparse paths: kernel equivalence against their scalar references at edge sizes and
//! real shapes (wasm: SIMD; natively: the references), quantization properties, pruning exactness, and
//! model-level accuracy budgets (INT8 within 0.5 pp of fp32, sparse within 1 pp).
use tinymlperf::events::{load_benchmark, EventId};
use tinymlperf::kernels::gemm::sparse::{self, SparseWeights};
use tinymlperf::kernels::quant::{self, Int8Weights};
use tinymlperf::kernels::{self, gemm::scalar::f32_gemm, tolerance, Act, GemmShape};
use tinymlperf::models::{accuracy, optimize};
use tinymlperf::profiler::kernel_bench::seeded_values;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

const EDGE: [usize; 11] = [0, 1, 3, 4, 5, 9, 17, 63, 64, 65, 129];
const MODEL_SHAPES: [(usize, usize, usize); 6] = [(64, 784, 128), (64, 128, 64), (64, 64, 10), (1, 784, 128), (64, 64, 256), (64, 256, 64)];

fn int8_case(m: usize, k: usize, n: usize, seed: u64, act: Act) {
    let x: Vec<f32> = seeded_values(seed, m * k).iter().map(|v| v * 3.0).collect();
    let w = seeded_values(seed + 1, k * n);
    let bias = seeded_values(seed + 2, n);
    // A deliberately small activation scale saturates part of the inputs at ±127.
    let q = Int8Weights::new(k, n, &w, 2.0 / 127.0);
    let mut want = vec![f32::NAN; m * n];
    quant::i8_linear_reference(m, &x, &q, Some(&bias), act, &mut want);
    let tol = if act == Act::Gelu { tolerance::F32_APPROX } else { tolerance::F32_EXACT };
    for (name, f) in kernels::int8_variants() {
        let mut got = vec![f32::NAN; m * n];
        f(m, &x, &q, Some(&bias), act, &mut got);
        if let Some((i, g, r)) = tol.first_mismatch(&got, &want) {
            panic!("{name} {m}×{k}×{n} {act:?}: element {i} = {g}, reference {r}");
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_variants_match_reference_exactly() {
    #[cfg(target_arch = "wasm32")]
    assert_eq!(kernels::int8_variants().len(), 2);
    for &m in &EDGE {
        for &k in &EDGE {
            for &n in &[0usize, 1, 3, 8, 9, 17, 64, 65] {
                int8_case(m, k, n, (m * 1000 + k * 10 + n) as u64, [Act::None, Act::Relu][(m + k + n) % 2]);
            }
        }
    }
    for (i, &(m, k, n)) in MODEL_SHAPES.iter().enumerate() {
        for act in [Act::None, Act::Relu, Act::Gelu] {
            int8_case(m, k, n, 77 + i as u64, act);
        }
    }
}

/// Runs every INT8 variant against the reference on given weights/inputs/scale; exact.
fn int8_exact(m: usize, k: usize, n: usize, x: &[f32], w: &[f32], act_scale: f32) {
    let q = Int8Weights::new(k, n, w, act_scale);
    let bias = seeded_values(4, n);
    let mut want = vec![f32::NAN; m * n];
    quant::i8_linear_reference(m, x, &q, Some(&bias), Act::None, &mut want);
    for (name, f) in kernels::int8_variants() {
        let mut got = vec![f32::NAN; m * n];
        f(m, x, &q, Some(&bias), Act::None, &mut got);
        assert!(got.iter().zip(&want).all(|(g, r)| g.to_bits() == r.to_bits()), "{name} {m}×{k}×{n} scale {act_scale}: {got:?} vs {want:?}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_saturation_and_extreme_scales_match_exactly() {
    let (m, k, n) = (5, 37, 17);
    // Weights: a column of zeros (scale 1), a column with one outlier (every other code 0), columns
    // whose values sit exactly on ±127·scale, and tiny / huge magnitudes.
    let mut w = seeded_values(11, k * n);
    for r in 0..k {
        w[r * n] = 0.0;
        w[r * n + 1] = if r == 3 { 1e6 } else { 1e-3 };
        w[r * n + 2] = if r % 2 == 0 { 127.0 } else { -127.0 };
        w[r * n + 3] *= 1e-30;
        w[r * n + 4] *= 1e30;
    }
    let mut x: Vec<f32> = seeded_values(12, m * k).iter().map(|v| v * 50.0).collect();
    // Inputs exactly at ±127·scale, half-way ties, infinities and NaN (NaN quantizes to 0).
    x[0] = 127.0;
    x[1] = -127.0;
    x[2] = 0.5;
    x[3] = -2.5;
    x[4] = f32::INFINITY;
    x[5] = f32::NEG_INFINITY;
    x[6] = f32::NAN;
    x[7] = -0.0;
    for act_scale in [1.0, 1e-6, 1e6, 1.0 / 127.0, 3.3e-38, 0.37] {
        int8_exact(m, k, n, &x, &w, act_scale);
    }
    // Every code at ±127: the largest accumulator (127²·k) stays exact in i32 and in the epilogue.
    let k = 1031;
    let w: Vec<f32> = (0..k * 9).map(|i| if i % 3 == 0 { -1.0 } else { 1.0 }).collect();
    let x: Vec<f32> = (0..4 * k).map(|i| if i % 5 == 0 { -1e9 } else { 1e9 }).collect();
    int8_exact(4, k, 9, &x, &w, 1.0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_conv_variants_match_reference_exactly() {
    use tinymlperf::kernels::{quant::Int8Conv, Conv3x3Shape};
    let variants = kernels::int8_conv_variants();
    #[cfg(target_arch = "wasm32")]
    assert_eq!(variants.len(), 2);
    let mut shapes = vec![
        Conv3x3Shape { n: 2, cin: 8, cout: 16, h: 14, w: 14 },
        Conv3x3Shape { n: 1, cin: 1, cout: 8, h: 28, w: 28 },
        Conv3x3Shape { n: 0, cin: 8, cout: 16, h: 14, w: 14 },
    ];
    for (i, &(cin, cout, h, w)) in [(1, 1, 1, 1), (1, 3, 2, 5), (2, 4, 3, 3), (3, 5, 4, 7), (8, 16, 7, 7), (5, 9, 9, 8), (2, 17, 1, 17), (4, 1, 8, 1), (7, 12, 5, 11), (8, 8, 2, 8), (8, 20, 3, 17)].iter().enumerate() {
        shapes.push(Conv3x3Shape { n: 1 + i % 3, cin, cout, h, w });
    }
    for (si, s) in shapes.iter().enumerate() {
        let x: Vec<f32> = seeded_values(si as u64, s.n * s.cin * s.h * s.w).iter().map(|v| v * 2.0).collect();
        let wt = seeded_values(si as u64 + 50, s.cout * s.cin * 9);
        let bias = seeded_values(si as u64 + 90, s.cout);
        for (ai, act_scale) in [1.0 / 127.0, 2.0 / 127.0, 1e-4, 1e4].into_iter().enumerate() {
            let q = Int8Conv::new(s.cin, s.cout, &wt, act_scale);
            let act = [Act::Relu, Act::None][ai % 2];
            let mut want = vec![f32::NAN; s.n * s.cout * s.h * s.w];
            kernels::conv::int8::scalar(*s, &x, &q, &bias, act, &mut want);
            for (name, f) in &variants {
                let mut got = vec![f32::NAN; want.len()];
                f(*s, &x, &q, &bias, act, &mut got);
                assert!(got.iter().zip(&want).all(|(g, r)| g.to_bits() == r.to_bits()), "{name} {s:?} scale {act_scale}: first mismatch {:?}", tolerance::F32_EXACT.first_mismatch(&got, &want));
            }
        }
    }
    // INT8 against the fp32 reference: within the quantization error bound on every output.
    let s = Conv3x3Shape { n: 1, cin: 8, cout: 16, h: 14, w: 14 };
    let x: Vec<f32> = seeded_values(7, s.n * s.cin * s.h * s.w).iter().map(|v| v.abs()).collect();
    let wt = seeded_values(8, s.cout * s.cin * 9);
    let bias = vec![0.0; s.cout];
    let q = Int8Conv::new(s.cin, s.cout, &wt, 1.0 / 127.0);
    let (mut a, mut b) = (vec![0.0; s.cout * 196], vec![0.0; s.cout * 196]);
    kernels::conv::int8::scalar(s, &x, &q, &bias, Act::None, &mut a);
    (kernels::scalar().conv3x3)(s, &x, &wt, &bias, Act::None, &mut b);
    for co in 0..s.cout {
        // Each of ≤ 72 products errs by at most |x|·sw/2 + |w|·sa/2 + sa·sw/4.
        let (sa, sw) = (q.act_scale, q.w_scales[co]);
        let bound = 72.0 * (1.0 * sw / 2.0 + 1.0 * sa / 2.0 + sa * sw / 4.0);
        for p in 0..196 {
            let i = co * 196 + p;
            assert!((a[i] - b[i]).abs() <= bound, "channel {co} pixel {p}: int8 {} vs fp32 {} (bound {bound})", a[i], b[i]);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn activation_quantizers_match_reference_and_round_trip() {
    let variants = tinymlperf::kernels::quantize_variants();
    #[cfg(target_arch = "wasm32")]
    assert_eq!(variants.len(), 2);
    let specials = [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, 126.5, 127.49, 127.5, 128.0, -128.0, 1e30, -1e30, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MIN_POSITIVE, 3.0e-39];
    for len in [0usize, 1, 3, 15, 16, 17, 31, 33, 100, 1000] {
        let mut x: Vec<f32> = seeded_values(len as u64, len).iter().map(|v| v * 200.0).collect();
        for (i, s) in specials.iter().enumerate().filter(|(i, _)| *i < len) {
            x[(i * 7) % len] = *s;
        }
        for inv in [1.0f32, 0.37, 127.0 / 3.0, 1e-9, 1e9] {
            let mut want = vec![0i8; len];
            quant::quantize_activations(&x, inv, &mut want);
            for (name, f) in &variants {
                let mut got = vec![99i8; len];
                f(&x, inv, &mut got);
                assert_eq!(got, want, "{name} len {len} inv {inv}");
            }
            // Round trip: within scale/2 wherever the value is in range.
            let scale = 1.0 / inv;
            let back = quant::dequantize(&want, scale);
            for (i, (&v, &b)) in x.iter().zip(&back).enumerate() {
                if v.is_finite() && v.abs() <= 127.0 * scale {
                    assert!((v - b).abs() <= scale / 2.0 * (1.0 + 1e-6), "round trip of {v} at {i}: {b} (scale {scale})");
                } else if v.is_nan() {
                    assert_eq!(want[i], 0);
                } else {
                    assert_eq!(want[i].unsigned_abs(), 127, "{v} saturates");
                }
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn quantization_rounds_saturates_and_bounds_error() {
    assert_eq!(quant::quantize1(0.5, 1.0), 0, "ties to even");
    assert_eq!(quant::quantize1(1.5, 1.0), 2);
    assert_eq!(quant::quantize1(-1e9, 1.0), -127, "saturates, never -128");
    assert_eq!(quant::quantize1(f32::INFINITY, 1.0), 127);
    assert_eq!(quant::quantize1(f32::NAN, 1.0), 0);
    assert_eq!(quant::scale_for(0.0), 1.0);
    let (k, n) = (33, 9);
    let w: Vec<f32> = seeded_values(5, k * n).iter().enumerate().map(|(i, v)| v * (1 + i % n) as f32).collect();
    let (codes, scales) = quant::quantize_weights(k, n, &w);
    for j in 0..n {
        assert!(codes.iter().skip(j).step_by(n).any(|&c| c.abs() == 127), "column {j} uses the full range");
        for r in 0..k {
            let err = (codes[r * n + j] as f32 * scales[j] - w[r * n + j]).abs();
            assert!(err <= scales[j] / 2.0 + 1e-7, "dequantization error {err} over scale/2 at ({r},{j})");
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn pruning_hits_the_requested_sparsity() {
    let (k, n) = (100, 20);
    let mut w = seeded_values(9, k * n);
    sparse::prune_unstructured(&mut w, 0.8);
    assert_eq!(w.iter().filter(|v| **v == 0.0).count(), 1600);
    let mut w = seeded_values(9, k * n);
    let dropped = sparse::prune_blocks(k, n, &mut w, 0.8);
    let blocks = k * n.div_ceil(8);
    assert_eq!(dropped, (0.8 * blocks as f64).round() as usize);
    let s = SparseWeights::from_dense(k, n, &w);
    assert_eq!(s.stored_blocks(), blocks - dropped);
    assert!((s.block_density() - 0.2).abs() < 1e-9);
    // Per-row (k) view of the 1×8 structure: each row keeps whole blocks only, so every row's zero count
    // is a multiple of 8 (the last panel is 4 wide here: 20 = 8 + 8 + 4).
    for r in 0..k {
        let row = &w[r * n..(r + 1) * n];
        for p in 0..3 {
            let blk = &row[p * 8..((p + 1) * 8).min(n)];
            assert!(blk.iter().all(|v| *v == 0.0) || blk.iter().all(|v| *v != 0.0), "row {r} panel {p} is partly pruned");
        }
    }
    // Scored unstructured pruning: per column, exactly round(s·k) zeros in every column; layer-wide,
    // exactly round(s·k·n) in total; the CSC form stores exactly the survivors.
    for s in [0.0, 0.5, 0.8, 0.93, 1.0] {
        let norms: Vec<f32> = (0..k).map(|r| 0.1 + (r % 7) as f32).collect();
        let mut w = seeded_values(10, k * n);
        let dropped = sparse::prune_unstructured_scored(k, n, &mut w, s, Some(&norms), true);
        let per_col = (s * k as f64).round() as usize;
        assert_eq!(dropped, per_col * n);
        for j in 0..n {
            assert_eq!((0..k).filter(|r| w[r * n + j] == 0.0).count(), per_col, "column {j} at {s}");
        }
        let sw = SparseWeights::from_dense(k, n, &w);
        assert_eq!(sw.nnz(), k * n - per_col * n);
        let mut w = seeded_values(10, k * n);
        let dropped = sparse::prune_unstructured_scored(k, n, &mut w, s, None, false);
        assert_eq!(dropped, (s * (k * n) as f64).round() as usize);
        assert_eq!(w.iter().filter(|v| **v == 0.0).count(), dropped);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sparse_variants_match_dense_reference_on_pruned_weights() {
    let mut shapes: Vec<(usize, usize, usize)> = MODEL_SHAPES.to_vec();
    // Batch sizes around the CSC kernel's 4-row vectors and 32-row register groups, too.
    for &m in &[0usize, 1, 3, 4, 5, 9, 31, 33, 65] {
        for &k in &EDGE {
            for &n in &[0usize, 1, 7, 8, 9, 17, 65] {
                shapes.push((m, k, n));
            }
        }
    }
    for (si, &(m, k, n)) in shapes.iter().enumerate() {
        for (pi, sparsity) in [0.0, 0.5, 0.8, 0.95, 0.9].into_iter().enumerate() {
            let x = seeded_values(si as u64, m * k);
            let mut w = seeded_values(si as u64 + 1000, k * n);
            match pi % 3 {
                0 => drop(sparse::prune_blocks(k, n, &mut w, sparsity)),
                1 => sparse::prune_unstructured(&mut w, sparsity),
                _ => drop(sparse::prune_unstructured_scored(k, n, &mut w, sparsity, None, true)),
            }
            let bias = seeded_values(3, n);
            let s = SparseWeights::from_dense(k, n, &w);
            let mut want = vec![f32::NAN; m * n];
            f32_gemm(GemmShape { m, k, n }, &x, &w, Some(&bias), Act::Relu, &mut want);
            for (name, f) in sparse::variants() {
                let mut got = vec![f32::NAN; m * n];
                f(m, &x, &s, Some(&bias), Act::Relu, &mut got);
                if let Some((i, g, r)) = tolerance::F32_EXACT.first_mismatch(&got, &want) {
                    panic!("{name} {m}×{k}×{n} sparsity {sparsity}: element {i} = {g}, dense reference {r}");
                }
            }
        }
    }
}

/// Accuracy budgets, measured with the INT8 and sparse tables on the full held-out split.
fn budgets(id: EventId) {
    let bench = load_benchmark(id).unwrap();
    let fp32 = accuracy(&bench.model, &kernels::best(), &bench.dataset).unwrap();
    let int8 = accuracy(&optimize::int8_model(id).unwrap(), &kernels::int8(), &bench.dataset).unwrap();
    let sparse_model = optimize::sparse_model(id).unwrap();
    let sp = accuracy(&sparse_model, &kernels::sparse(), &bench.dataset).unwrap();
    println!("{}: fp32 {:.2}%, int8 {:.2}%, sparse {:.2}%", id.as_str(), 100.0 * fp32, 100.0 * int8, 100.0 * sp);
    if id == EventId::MlpSprint {
        // The shipped MLP entry is ≥ 80% sparse in its big layer, as the sparse kernel needs to win.
        let mut m = sparse_model;
        let fc1 = m.linears_mut().into_iter().find(|(n, _)| n == "fc1").unwrap().1.weight.sparse.clone().unwrap();
        assert!(fc1.block_density() <= 0.2, "fc1 block density {}", fc1.block_density());
    }
    assert!((fp32 - int8).abs() <= 0.005, "{}: INT8 {int8} vs fp32 {fp32}: over the 0.5 pp budget", id.as_str());
    assert!(fp32 - sp <= 0.01, "{}: sparse {sp} vs fp32 {fp32}: over the 1 pp budget", id.as_str());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn mlp_int8_and_sparse_keep_accuracy() {
    budgets(EventId::MlpSprint);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn cnn_int8_and_sparse_keep_accuracy() {
    budgets(EventId::CnnMarathon);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn transformer_int8_and_sparse_keep_accuracy() {
    budgets(EventId::TransformerDecathlon);
}

/// Timings of the INT8 and block-sparse kernels against the fp32 packed SIMD kernel on the models'
/// shapes (wasm only: natively there is no SIMD path). Prints a table; asserts only that it ran.
/// Run with `-- --include-ignored --nocapture speed` (release-like numbers need a build without debug
/// assertions: `CARGO_PROFILE_CI_DEBUG_ASSERTIONS=false CARGO_PROFILE_CI_OVERFLOW_CHECKS=false`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
#[ignore]
fn int8_and_sparse_speed_vs_fp32_simd() {
    use tinymlperf::profiler::{clock::HostClock, runner::{compare, RunConfig}};
    use wasm_bindgen_test::console_log;
    let clock = HostClock::new().unwrap();
    let cfg = RunConfig { batch_ms: 20.0, rounds: 7, warmup: 2 };
    // INT8 convolution (im2col + dot) against the fp32 SIMD convolution, and the whole CNN.
    {
        use tinymlperf::kernels::{quant::Int8Conv, Conv3x3Shape};
        let best = kernels::best();
        for s in [Conv3x3Shape { n: 1, cin: 8, cout: 16, h: 14, w: 14 }, Conv3x3Shape { n: 16, cin: 8, cout: 16, h: 14, w: 14 }] {
            let x: Vec<f32> = seeded_values(4, s.n * s.cin * 196).iter().map(|v| v.abs()).collect();
            let w = seeded_values(5, s.cout * s.cin * 9);
            let b = seeded_values(6, s.cout);
            let q = Int8Conv::new(s.cin, s.cout, &w, 1.0 / 127.0);
            let conv = kernels::int8_conv_variants().last().unwrap().1;
            let (mut o0, mut o1) = (vec![0.0; s.n * s.cout * 196], vec![0.0; s.n * s.cout * 196]);
            let c = compare(&clock, cfg, &mut || (best.conv3x3)(s, &x, &w, &b, Act::Relu, &mut o0), &mut || conv(s, &x, &q, &b, Act::Relu, &mut o1));
            console_log!("conv2 {s:?}: fp32 {:.4} ms, int8 {:.4} ms, speedup {:.2}×", c.baseline.median_ms, c.candidate.median_ms, c.speedup);
        }
        let bench = load_benchmark(EventId::CnnMarathon).unwrap();
        let q = optimize::int8_model(EventId::CnnMarathon).unwrap();
        let i8t = kernels::int8();
        for batch in [1usize, 16, 64] {
            let input = bench.dataset.inputs(0, batch);
            let c = compare(&clock, cfg, &mut || drop(bench.model.forward(&best, input.as_input(), batch)), &mut || drop(q.forward(&i8t, input.as_input(), batch)));
            console_log!("CNN batch {batch}: fp32 SIMD {:.4} ms, int8 (conv2 + fc) {:.4} ms, speedup {:.2}×", c.baseline.median_ms, c.candidate.median_ms, c.speedup);
        }
    }
    let shapes = [(64, 784, 128), (64, 128, 64), (1, 784, 128), (64, 784, 10), (64, 64, 256), (64, 256, 64), (64, 64, 64)];
    let fp32 = kernels::best().linear;
    let i8f = kernels::int8_variants().last().unwrap().1;
    let spv: Vec<_> = sparse::variants().into_iter().filter(|(n, _)| n.contains("simd128")).collect();
    for (m, k, n) in shapes {
        let x = seeded_values(1, m * k);
        let w = seeded_values(2, k * n);
        let bias = seeded_values(3, n);
        let dense = kernels::DenseWeights::new(k, n, w.clone());
        let q = Int8Weights::new(k, n, &w, 1.0 / 127.0);
        let (mut o0, mut o1) = (vec![0.0; m * n], vec![0.0; m * n]);
        let c = compare(&clock, cfg, &mut || fp32(m, &x, &dense, Some(&bias), Act::Relu, &mut o0), &mut || i8f(m, &x, &q, Some(&bias), Act::Relu, &mut o1));
        console_log!("{m}×{k}×{n}: fp32 {:.4} ms, int8 {:.4} ms, speedup {:.2}×", c.baseline.median_ms, c.candidate.median_ms, c.speedup);
        for (label, s) in [("blocks 80%", 0.8), ("blocks 90%", 0.9), ("unstructured 50%", -0.5), ("unstructured 70%", -0.7), ("unstructured 80%", -0.8), ("unstructured 90%", -0.9)] {
            let mut wp = w.clone();
            if s > 0.0 {
                sparse::prune_blocks(k, n, &mut wp, s);
            } else {
                sparse::prune_unstructured(&mut wp, -s);
            }
            let sw = SparseWeights::from_dense(k, n, &wp);
            let mut line = format!("    {label} (blocks {:.2}, plan {:?}):", sw.block_density(), sw.plan(m));
            for (name, f) in &spv {
                let c = compare(&clock, cfg, &mut || fp32(m, &x, &dense, Some(&bias), Act::Relu, &mut o0), &mut || f(m, &x, &sw, Some(&bias), Act::Relu, &mut o1));
                line += &format!(" {} {:.4} ms {:.2}×;", name.trim_start_matches("f32_spgemm__simd128_"), c.candidate.median_ms, c.speedup);
            }
            console_log!("{line}");
        }
    }
}

/// The CNN's INT8 convolution and INT8 entry against fp32 SIMD, interleaved (wasm only; ignored):
/// `-- --include-ignored --nocapture cnn_int8_speed`, preferably without debug assertions.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
#[ignore]
fn cnn_int8_speed() {
    use tinymlperf::kernels::{quant::Int8Conv, Conv3x3Shape};
    use tinymlperf::profiler::{clock::HostClock, runner::{compare, RunConfig}};
    use wasm_bindgen_test::console_log;
    let clock = HostClock::new().unwrap();
    let cfg = RunConfig { batch_ms: 1.0, rounds: 151, warmup: 3 };
    let best = kernels::best();
    let conv = kernels::int8_conv_variants().last().unwrap().1;
    for s in [1, 4, 16, 64].map(|n| Conv3x3Shape { n, cin: 8, cout: 16, h: 14, w: 14 }) {
        let x: Vec<f32> = seeded_values(4, s.n * s.cin * s.h * s.w).iter().map(|v| v.abs()).collect();
        let w = seeded_values(5, s.cout * s.cin * 9);
        let b = seeded_values(6, s.cout);
        let q = Int8Conv::new(s.cin, s.cout, &w, 1.0 / 127.0);
        let (mut o0, mut o1) = (vec![0.0; s.n * s.cout * s.h * s.w], vec![0.0; s.n * s.cout * s.h * s.w]);
        let c = compare(&clock, cfg, &mut || (best.conv3x3)(s, &x, &w, &b, Act::Relu, &mut o0), &mut || conv(s, &x, &q, &b, Act::Relu, &mut o1));
        console_log!("conv {s:?}: fp32 {:.4} ms (min {:.4}), int8 {:.4} ms (min {:.4}), speedup {:.2}×", c.baseline.median_ms, c.baseline.min_ms, c.candidate.median_ms, c.candidate.min_ms, c.speedup);
    }
    let bench = load_benchmark(EventId::CnnMarathon).unwrap();
    let q = optimize::int8_model(EventId::CnnMarathon).unwrap();
    let i8t = kernels::int8();
    for batch in [1usize, 64] {
        let input = bench.dataset.inputs(0, batch);
        let c = compare(&clock, cfg, &mut || drop(bench.model.forward(&best, input.as_input(), batch)), &mut || drop(q.forward(&i8t, input.as_input(), batch)));
        console_log!("CNN batch {batch}: fp32 SIMD {:.4} ms (min {:.4}), int8 entry {:.4} ms (min {:.4}), speedup {:.2}×", c.baseline.median_ms, c.baseline.min_ms, c.candidate.median_ms, c.candidate.min_ms, c.speedup);
    }
}

/// One-shot unstructured (Wanda, per column) pruning sweep per layer group, on the held-out split:
/// `cargo test --profile ci --test int8_sparse -- --ignored --nocapture unstructured_sweep`. This is
/// how `models::optimized::unstructured_plan` was chosen.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore]
fn unstructured_sweep() {
    use tinymlperf::models::optimized;
    let groups: &[(EventId, &[&str])] = &[
        (EventId::MlpSprint, &["fc1"]),
        (EventId::MlpSprint, &["fc2"]),
        (EventId::MlpSprint, &["fc3"]),
        (EventId::CnnMarathon, &["fc"]),
        (EventId::TransformerDecathlon, &["blocks.0.ffn.fc1", "blocks.0.ffn.fc2", "blocks.1.ffn.fc1", "blocks.1.ffn.fc2"]),
        (EventId::TransformerDecathlon, &["blocks.0.attn.q", "blocks.0.attn.k", "blocks.0.attn.v", "blocks.0.attn.o", "blocks.1.attn.q", "blocks.1.attn.k", "blocks.1.attn.v", "blocks.1.attn.o"]),
    ];
    let only = std::env::var("SWEEP_EVENT").ok();
    for &(id, layers) in groups {
        if only.as_deref().is_some_and(|e| e != id.as_str()) {
            continue;
        }
        let bench = load_benchmark(id).unwrap();
        let calib = optimize::calibration_set(id, optimize::CALIBRATION_SAMPLES);
        let base = accuracy(&bench.model, &kernels::scalar(), &bench.dataset).unwrap();
        for s in [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95] {
            let mut m = bench.model.clone();
            let plan: Vec<(&str, f64)> = layers.iter().map(|l| (*l, s)).collect();
            optimized::prune_unstructured(&mut m, &calib, &plan).unwrap();
            let a = accuracy(&m, &kernels::sparse(), &bench.dataset).unwrap();
            println!("{} {layers:?} at {:.0}%: {:.2}% ({:+.2} pp vs fp32 {:.2}%)", id.as_str(), 100.0 * s, 100.0 * a, 100.0 * (a - base), 100.0 * base);
        }
    }
}

/// The CNN's INT8 entry (`optimize::int8_model`: conv2 through the table's `conv3x3_int8` slot, the
/// classifier through `linear`, conv1 fp32): within 0.5 pp of fp32 on the held-out split, and
/// ≥ 99% prediction agreement with it on fresh inputs (the closed division's gate, docs/rules.md).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn cnn_int8_conv2_keeps_accuracy() {
    let bench = load_benchmark(EventId::CnnMarathon).unwrap();
    let fp32 = accuracy(&bench.model, &kernels::best(), &bench.dataset).unwrap();
    let q = optimize::int8_model(EventId::CnnMarathon).unwrap();
    assert_eq!(q.int8_layers(), ["conv2", "fc"], "the INT8 entry quantizes conv2 and the classifier");
    let int8 = accuracy(&q, &kernels::int8(), &bench.dataset).unwrap();
    // Agreement on fresh inputs, as the closed gate measures it.
    let mut stream = tinymlperf::data::fresh::InputStream::new(true, 11, 10, 64);
    let (mut same, mut total) = (0usize, 0usize);
    for _ in 0..16 {
        let input = stream.next_batch().0;
        let a = tinymlperf::models::argmax_rows(&bench.model.forward(&kernels::best(), input.as_input(), 64).unwrap(), 10);
        let b = tinymlperf::models::argmax_rows(&q.forward(&kernels::int8(), input.as_input(), 64).unwrap(), 10);
        same += a.iter().zip(&b).filter(|(x, y)| x == y).count();
        total += a.len();
    }
    let agree = same as f64 / total as f64;
    println!("cnn_marathon: fp32 {:.2}%, int8 (conv2 + fc) {:.2}%, agreement on {total} fresh inputs {:.2}%", 100.0 * fp32, 100.0 * int8, 100.0 * agree);
    assert!((fp32 - int8).abs() <= 0.005, "INT8 CNN (conv2 + fc) {int8} vs fp32 {fp32}: over the 0.5 pp budget");
    assert!(agree >= 0.99, "INT8 CNN agrees with fp32 on {:.2}% of fresh inputs, under 99%", 100.0 * agree);
}

/// An INT8 CNN round-trips through its package: `conv2.weight` as I8 codes with `conv2.weight_scale`
/// and `conv2.input_scale` (as the dense layers store theirs), loaded back with exactly those codes,
/// picked up by the INT8 table, and computing the very logits of the in-memory entry.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn cnn_int8_conv_round_trips_through_its_package() {
    use tinymlperf::format::{Dtype, Package};
    use tinymlperf::models::Model;
    use tinymlperf::submission::{build_recipe, load_entry, Recipe};
    let bytes = build_recipe(&Recipe { event: EventId::CnnMarathon, quantize: true, sparsity: 0.0, kernels: None }).unwrap();
    let p = Package::parse(&bytes).unwrap();
    let w = p.get("conv2.weight").unwrap();
    assert_eq!((w.dtype, w.shape.as_slice()), (Dtype::I8, &[16, 8, 3, 3][..]));
    assert_eq!(p.get("conv2.weight_scale").unwrap().shape, [16]);
    assert_eq!(p.get("conv2.input_scale").unwrap().shape, [1]);
    assert_eq!(p.get("conv1.weight").unwrap().dtype, Dtype::F16, "conv1 stays float, in the reference's own fp16 storage");
    assert!(p.get("conv1.input_scale").is_none());
    let e = load_entry(EventId::CnnMarathon, &bytes).unwrap();
    assert_eq!(e.kernels.name, "int8", "an INT8 conv makes the entry an INT8 one");
    assert_eq!(e.model.int8_layers(), ["conv2", "fc"]);
    let mem = optimize::int8_model(EventId::CnnMarathon).unwrap();
    let bench = load_benchmark(EventId::CnnMarathon).unwrap();
    let input = bench.dataset.inputs(0, 64);
    let (a, b) = (mem.forward(&kernels::int8(), input.as_input(), 64).unwrap(), e.model.forward(&e.kernels, input.as_input(), 64).unwrap());
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()), "stored codes and scales compute the same logits");
    // Stored again, the package is unchanged; a conv input_scale beside f32 weights is refused.
    let mut again = Model::from_package(&p).unwrap();
    let mut p2 = p.clone();
    again.store_linears(&mut p2).unwrap();
    for (name, t) in p.tensors() {
        let u = p2.get(name).unwrap();
        assert!(u.dtype == t.dtype && u.shape == t.shape && u.data == t.data, "{name} changed on a second store");
    }
    let mut bad = bench_package(EventId::CnnMarathon);
    bad.insert("conv2.input_scale", vec![1], vec![0.01]).unwrap();
    let err = Model::from_package(&bad).unwrap_err().to_string();
    assert!(err.contains("conv2.input_scale"), "{err}");
    // Codes without their scales are refused.
    let mut q = p.clone();
    q.remove("conv2.weight_scale");
    assert!(Model::from_package(&q).unwrap_err().to_string().contains("conv2.weight_scale"));
}

#[cfg(not(target_arch = "wasm32"))]
fn bench_package(id: EventId) -> tinymlperf::format::Package {
    tinymlperf::events::load_model(id).unwrap().1
}

/// One-shot unstructured sparse entries (`models::optimized::unstructured_model`): within 1 pp of
/// fp32, at the documented plan's sparsity.
fn unstructured_budget(id: EventId) {
    use tinymlperf::models::optimized;
    let bench = load_benchmark(id).unwrap();
    let fp32 = accuracy(&bench.model, &kernels::best(), &bench.dataset).unwrap();
    let model = optimized::unstructured_model(id).unwrap();
    let sp = accuracy(&model, &kernels::sparse(), &bench.dataset).unwrap();
    println!("{}: fp32 {:.2}%, unstructured sparse {:.2}% ({:+.2} pp), plan {:?}", id.as_str(), 100.0 * fp32, 100.0 * sp, 100.0 * (sp - fp32), optimized::unstructured_plan(id));
    assert!(fp32 - sp <= 0.01, "{}: unstructured sparse {sp} vs fp32 {fp32}: over the 1 pp budget", id.as_str());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn unstructured_sparse_entries_keep_accuracy() {
    for id in [EventId::MlpSprint, EventId::CnnMarathon, EventId::TransformerDecathlon] {
        unstructured_budget(id);
    }
}

/// Accuracy of one unstructured plan given on the command line:
/// `SWEEP_EVENT=transformer_decathlon SWEEP_PLAN=blocks.0.attn.q=0.6,... cargo test --profile ci
/// --test int8_sparse -- --ignored --nocapture unstructured_plan_from_env`; `all.attn=0.6` and
/// `all.ffn=0.3` expand to every transformer attention / FFN layer.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore]
fn unstructured_plan_from_env() {
    use tinymlperf::models::optimized;
    let id: EventId = std::env::var("SWEEP_EVENT").expect("SWEEP_EVENT").parse().unwrap();
    let spec = std::env::var("SWEEP_PLAN").expect("SWEEP_PLAN");
    let mut plan: Vec<(String, f64)> = Vec::new();
    for item in spec.split(',') {
        let (l, v) = item.split_once('=').unwrap();
        let v: f64 = v.parse().unwrap();
        let expand: Vec<String> = match l {
            "all.attn" => (0..2).flat_map(|b| ["q", "k", "v", "o"].map(|p| format!("blocks.{b}.attn.{p}"))).collect(),
            "all.ffn" => (0..2).flat_map(|b| ["fc1", "fc2"].map(|p| format!("blocks.{b}.ffn.{p}"))).collect(),
            _ => vec![l.to_string()],
        };
        plan.extend(expand.into_iter().map(|l| (l, v)));
    }
    let bench = load_benchmark(id).unwrap();
    let calib = optimize::calibration_set(id, optimize::CALIBRATION_SAMPLES);
    let base = accuracy(&bench.model, &kernels::scalar(), &bench.dataset).unwrap();
    let mut m = bench.model.clone();
    let p: Vec<(&str, f64)> = plan.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    optimized::prune_unstructured(&mut m, &calib, &p).unwrap();
    let a = accuracy(&m, &kernels::sparse(), &bench.dataset).unwrap();
    println!("{} {spec}: {:.2}% ({:+.2} pp vs fp32 {:.2}%)", id.as_str(), 100.0 * a, 100.0 * (a - base), 100.0 * base);
}
