//! Scalar-versus-best timing of one GEMM shape: the pipeline's thin vertical slice (the page calls
//! it through `wasm_api::gemm_demo`). Checks the fast path against the reference before timing it.
use super::{compare, Clock, RunConfig};
use crate::kernels::{self, Act, GemmShape};
use serde::Serialize;

/// What the page shows for one GEMM shape.
#[derive(Debug, Clone, Serialize)]
pub struct GemmReport {
    /// Rows of A.
    pub m: usize,
    /// Inner dimension.
    pub k: usize,
    /// Columns of B.
    pub n: usize,
    /// Variant timed as the baseline.
    pub baseline_variant: String,
    /// Variant timed as the candidate.
    pub candidate_variant: String,
    /// Median ms per call, baseline.
    pub baseline_ms: f64,
    /// Median ms per call, candidate.
    pub candidate_ms: f64,
    /// GFLOP/s of the baseline at its median.
    pub baseline_gflops: f64,
    /// GFLOP/s of the candidate at its median.
    pub candidate_gflops: f64,
    /// Median per-round speedup.
    pub speedup: f64,
    /// Largest |candidate − reference| over the output.
    pub max_abs_diff: f32,
    /// Which global scope the clock read (`window`, `worker`, `node`, `native`).
    pub clock_scope: String,
    /// Measured clock step in ms.
    pub clock_resolution_ms: f64,
}

/// Deterministic pseudo-random values in [-1, 1) (xorshift), so runs are comparable.
pub fn seeded_values(seed: u64, len: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Times the scalar GEMM against the best table's GEMM on `shape` (bias + ReLU epilogue).
pub fn gemm_scalar_vs_best(clock: &dyn Clock, shape: GemmShape, cfg: RunConfig) -> GemmReport {
    let GemmShape { m, k, n } = shape;
    let a = seeded_values(1, m * k);
    let b = seeded_values(2, k * n);
    let bias = seeded_values(3, n);
    let (base, best) = (kernels::scalar(), kernels::best());
    let mut c0 = vec![0.0; m * n];
    let mut c1 = vec![0.0; m * n];
    (base.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c0);
    (best.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c1);
    let max_abs_diff = c0.iter().zip(&c1).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    let cmp = compare(
        clock,
        cfg,
        &mut || (base.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c0),
        &mut || (best.gemm)(shape, &a, &b, Some(&bias), Act::Relu, &mut c1),
    );
    let gflops = |ms: f64| shape.flops() as f64 / (ms * 1e6);
    GemmReport {
        m,
        k,
        n,
        baseline_variant: variant_name(&base, "gemm"),
        candidate_variant: variant_name(&best, "gemm"),
        baseline_ms: cmp.baseline.median_ms,
        candidate_ms: cmp.candidate.median_ms,
        baseline_gflops: gflops(cmp.baseline.median_ms),
        candidate_gflops: gflops(cmp.candidate.median_ms),
        speedup: cmp.speedup,
        max_abs_diff,
        clock_scope: clock.scope().to_string(),
        clock_resolution_ms: clock.resolution_ms(),
    }
}

// ---- the kernel benchmark (`npm run bench:kernels`) ----------------------------------------------

use super::peak::{self, Peak};
use crate::events::{self, EventId};
use crate::kernels::{AttnShape, Conv3x3Shape, Kernels};
use crate::models::{optimize, optimized, Model, OwnedInput};

/// One kernel variant on one shape.
#[derive(Debug, Clone, Serialize)]
pub struct KernelRow {
    /// Op name (`gemm`, `conv3x3`, ...).
    pub op: String,
    /// Variant name, `dtype_op__isa_tile`.
    pub variant: String,
    /// Which model layer this shape comes from.
    pub layer: String,
    /// Shape in words, e.g. `64×784×128`.
    pub shape: String,
    /// FLOPs of one call (multiply-adds ×2).
    pub flops: u64,
    /// Median ms per call.
    pub median_ms: f64,
    /// FLOPs / median time.
    pub gflops: f64,
    /// `gflops` as a percentage of the measured f32x4 peak.
    pub pct_of_f32x4_peak: f64,
    /// Median speedup over the scalar reference timed interleaved with it.
    pub speedup_vs_scalar: f64,
}

/// Whole-model latency of one event with one kernel table.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    /// Event id.
    pub event: String,
    /// Path: `baseline`, `simd128_fp32`, `int8`, `sparse`.
    pub path: String,
    /// Batch size.
    pub batch: usize,
    /// Median ms per batch.
    pub median_ms: f64,
    /// Median ms per sample.
    pub per_sample_ms: f64,
    /// Model FLOPs × batch / median time.
    pub gflops: f64,
    /// As a percentage of the measured f32x4 peak.
    pub pct_of_f32x4_peak: f64,
    /// Median speedup over the scalar baseline timed interleaved with it.
    pub speedup_vs_baseline: f64,
}

/// Everything `npm run bench:kernels` prints and writes.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The machine's measured peaks.
    pub peak: Peak,
    /// Kernel rows.
    pub kernels: Vec<KernelRow>,
    /// Whole-model rows.
    pub models: Vec<ModelRow>,
    /// Clock scope and resolution, for the record.
    pub clock_scope: String,
    /// Measured clock step, ms.
    pub clock_resolution_ms: f64,
}

type Job<'a> = Box<dyn FnMut() + 'a>;

/// One benchmark case: a scalar baseline closure and the fast variants for the same work.
struct Case<'a> {
    op: &'static str,
    layer: String,
    shape: String,
    flops: u64,
    baseline: Job<'a>,
    variants: Vec<(String, Job<'a>)>,
}

fn run_case(clock: &dyn Clock, cfg: RunConfig, peak: &Peak, mut c: Case<'_>, out: &mut Vec<KernelRow>) {
    let variants = std::mem::take(&mut c.variants);
    let (mut fast, mut scalar_ms) = (Vec::new(), Vec::new());
    for (variant, mut job) in variants {
        let cmp = compare(clock, cfg, &mut c.baseline, &mut job);
        scalar_ms.push(cmp.baseline.median_ms);
        fast.push(row(&c, &variant, cmp.candidate.median_ms, cmp.speedup, peak));
    }
    if !scalar_ms.is_empty() {
        out.push(row(&c, &format!("f32_{}__scalar", c.op), super::stats::median(&scalar_ms), 1.0, peak));
        out.extend(fast);
    }
}

fn row(c: &Case<'_>, variant: &str, ms: f64, speedup: f64, peak: &Peak) -> KernelRow {
    let gflops = c.flops as f64 / (ms * 1e6);
    KernelRow {
        op: c.op.to_string(),
        variant: variant.to_string(),
        layer: c.layer.clone(),
        shape: c.shape.clone(),
        flops: c.flops,
        median_ms: ms,
        gflops,
        pct_of_f32x4_peak: pct(gflops, peak),
        speedup_vs_scalar: speedup,
    }
}

fn pct(gflops: f64, peak: &Peak) -> f64 {
    if peak.f32x4_gflops > 0.0 {
        100.0 * gflops / peak.f32x4_gflops
    } else {
        f64::NAN
    }
}

/// The GEMM shapes of the three models: `(layer, m, k, n)`.
pub const GEMM_SHAPES: [(&str, usize, usize, usize); 9] = [
    ("mlp fc1, batch 64", 64, 784, 128),
    ("mlp fc2, batch 64", 64, 128, 64),
    ("mlp fc3, batch 64", 64, 64, 10),
    ("mlp fc1, batch 1", 1, 784, 128),
    ("cnn conv2 as im2col GEMM", 16, 72, 196),
    ("cnn fc, batch 64", 64, 784, 10),
    ("transformer qkv/o, 64 tokens", 64, 64, 64),
    ("transformer ffn up", 64, 64, 256),
    ("transformer ffn down", 64, 256, 64),
];

/// Runs the kernel benchmark: peak, every variant on every real shape, whole-model latency.
/// `quick` shrinks batch durations and rounds (for tests of the harness itself, not for figures);
/// `with_models` adds the whole-model latencies.
pub fn bench_kernels(clock: &dyn Clock, quick: bool, with_models: bool, boundary: Option<&mut dyn CallBoundary>) -> crate::Result<BenchReport> {
    let cfg = if quick { RunConfig { batch_ms: 1.0, rounds: 3, warmup: 1 } } else { RunConfig { batch_ms: 25.0, rounds: 11, warmup: 3 } };
    let peak = peak::measure(clock, if quick { 3 } else { 9 });
    let (base, best) = (kernels::scalar(), kernels::best());
    let mut rows = Vec::new();

    for (layer, m, k, n) in GEMM_SHAPES {
        let s = GemmShape { m, k, n };
        let (a, b, bias) = (seeded_values(1, m * k), seeded_values(2, k * n), seeded_values(3, n));
        let packed = kernels::DenseWeights::new(k, n, b.clone());
        let mut outs: Vec<Vec<f32>> = (0..kernels::gemm_variants().len() + kernels::linear_variants().len()).map(|_| vec![0.0; m * n]).collect();
        let mut it = outs.iter_mut();
        let c0 = it.next().expect("one output buffer per job");
        let (a_, b_, bias_, w_) = (&a, &b, &bias, &packed);
        let mut variants: Vec<(String, Job)> = Vec::new();
        for (name, f) in kernels::gemm_variants().into_iter().skip(1) {
            let c = it.next().expect("one output buffer per job");
            variants.push((name.to_string(), Box::new(move || f(s, a_, b_, Some(bias_), Act::Relu, c))));
        }
        // Packed-weight variants (the layout models use): packing happened above, outside the timing.
        for (name, f) in kernels::linear_variants().into_iter().skip(1) {
            let c = it.next().expect("one output buffer per job");
            variants.push((name.to_string(), Box::new(move || f(m, a_, w_, Some(bias_), Act::Relu, c))));
        }
        let case = Case { op: "gemm", layer: layer.into(), shape: format!("{m}×{k}×{n}"), flops: s.flops(), baseline: Box::new(move || (base.gemm)(s, a_, b_, Some(bias_), Act::Relu, c0)), variants };
        run_case(clock, cfg, &peak, case, &mut rows);
    }

    // INT8 and block-sparse dense layers on the MLP's shapes, against the same scalar f32 baseline.
    for (layer, m, k, n) in [GEMM_SHAPES[0], GEMM_SHAPES[1], GEMM_SHAPES[3]] {
        let s = GemmShape { m, k, n };
        // Non-negative inputs, as these layers see them (pixels, then ReLU outputs): the relaxed INT8
        // kernel runs only on such inputs (its dot product's 7-bit operand) and falls back otherwise.
        let x: Vec<f32> = seeded_values(1, m * k).iter().map(|v| v.abs()).collect();
        let (w, bias) = (seeded_values(2, k * n), seeded_values(3, n));
        let q = crate::kernels::quant::Int8Weights::new(k, n, &w, 1.0 / 127.0);
        let mut pruned: Vec<(String, crate::kernels::gemm::sparse::SparseWeights)> = Vec::new();
        for sp in [0.8, 0.9] {
            let mut wb = w.clone();
            crate::kernels::gemm::sparse::prune_blocks(k, n, &mut wb, sp);
            pruned.push((format!("{}% 1×8 blocks", (sp * 100.0) as u32), crate::kernels::gemm::sparse::SparseWeights::from_dense(k, n, &wb)));
        }
        let mut wu = w.clone();
        crate::kernels::gemm::sparse::prune_unstructured(&mut wu, 0.8);
        pruned.push(("80% unstructured".into(), crate::kernels::gemm::sparse::SparseWeights::from_dense(k, n, &wu)));
        // Fast variants only (the scalar references are what `tests/int8_sparse.rs` checks them with).
        let int8: Vec<_> = kernels::int8_variants().into_iter().filter(|(n, _)| n.contains("simd128") || n.contains("relaxed")).collect();
        let sparse: Vec<_> = kernels::sparse_variants().into_iter().filter(|(n, _)| n.contains("simd128")).collect();
        let mut outs: Vec<Vec<f32>> = (0..1 + int8.len() + pruned.len() * sparse.len()).map(|_| vec![0.0; m * n]).collect();
        let mut it = outs.iter_mut();
        let c0 = it.next().expect("one output buffer per job");
        let (x_, w_, b_, q_) = (&x, &w, &bias, &q);
        let mut variants: Vec<(String, Job)> = Vec::new();
        for &(name, f) in &int8 {
            let c = it.next().expect("one output buffer per job");
            variants.push((name.to_string(), Box::new(move || f(m, x_, q_, Some(b_), Act::Relu, c))));
        }
        for (label, sw) in &pruned {
            for &(name, f) in &sparse {
                let c = it.next().expect("one output buffer per job");
                variants.push((format!("{name} ({label})"), Box::new(move || f(m, x_, sw, Some(b_), Act::Relu, c))));
            }
        }
        let case = Case { op: "gemm", layer: format!("{layer}, int8/sparse"), shape: format!("{m}×{k}×{n}"), flops: s.flops(), baseline: Box::new(move || (base.gemm)(s, x_, w_, Some(b_), Act::Relu, c0)), variants };
        run_case(clock, cfg, &peak, case, &mut rows);
    }

    // Convolutions of the CNN at batch 1 and 64.
    for (layer, s) in [
        ("cnn conv1, batch 1", Conv3x3Shape { n: 1, cin: 1, cout: 8, h: 28, w: 28 }),
        ("cnn conv2, batch 1", Conv3x3Shape { n: 1, cin: 8, cout: 16, h: 14, w: 14 }),
        ("cnn conv1, batch 64", Conv3x3Shape { n: 64, cin: 1, cout: 8, h: 28, w: 28 }),
        ("cnn conv2, batch 64", Conv3x3Shape { n: 64, cin: 8, cout: 16, h: 14, w: 14 }),
    ] {
        let x = seeded_values(4, s.n * s.cin * s.h * s.w);
        let w = seeded_values(5, s.cout * s.cin * 9);
        let bias = seeded_values(6, s.cout);
        let (mut o0, mut o1) = (vec![0.0; s.n * s.cout * s.h * s.w], vec![0.0; s.n * s.cout * s.h * s.w]);
        let mut o2 = vec![0.0; s.n * s.cout * s.h * s.w];
        let flops = 2 * (s.n * s.cout * s.h * s.w * s.cin * 9) as u64;
        // The INT8 convolution (SIMD variant only; the reference is what tests/int8_sparse.rs checks
        // it with) on the same weights, inputs in [-1, 1] at scale 1/127.
        let q = crate::kernels::quant::Int8Conv::new(s.cin, s.cout, &w, 1.0 / 127.0);
        let (x_, w_, b_, q_) = (&x, &w, &bias, &q);
        let (fb, ff) = (base.conv3x3, best.conv3x3);
        let mut variants: Vec<(String, Job)> = vec![(variant_name(&best, "conv3x3"), Box::new(|| ff(s, x_, w_, b_, Act::Relu, &mut o1)))];
        if let Some(&(name, fi)) = kernels::int8_conv_variants().iter().find(|(n, _)| n.contains("simd128")) {
            variants.push((name.to_string(), Box::new(move || fi(s, x_, q_, b_, Act::Relu, &mut o2))));
        }
        let case = Case { op: "conv3x3", layer: layer.into(), shape: format!("{}×{}×{}×{} → {}", s.n, s.cin, s.h, s.w, s.cout), flops, baseline: Box::new(|| fb(s, x_, w_, b_, Act::Relu, &mut o0)), variants };
        run_case(clock, cfg, &peak, case, &mut rows);
    }

    // Attention of one transformer block over 64 tokens.
    {
        let s = AttnShape { seq: 64, heads: 4, head_dim: 16 };
        let w = 64 * 64;
        let (q, kk, v) = (seeded_values(7, w), seeded_values(8, w), seeded_values(9, w));
        let (mut o0, mut o1) = (vec![0.0; w], vec![0.0; w]);
        let flops = (s.heads * 2 * 2 * s.seq * s.seq * s.head_dim) as u64;
        let (fb, ff) = (base.attention, best.attention);
        let (q_, k_, v_) = (&q, &kk, &v);
        let case = Case {
            op: "attention",
            layer: "transformer attention, 1 sequence".into(),
            shape: "64 tokens × 4 heads × 16".into(),
            flops,
            baseline: Box::new(|| fb(q_, k_, v_, s, &mut o0)),
            variants: vec![(variant_name(&best, "attention"), Box::new(|| ff(q_, k_, v_, s, &mut o1)))],
        };
        run_case(clock, cfg, &peak, case, &mut rows);
    }

    // Row ops at the transformer's shapes (FLOPs counted as ~8 per element for layernorm/softmax/GELU,
    // so GFLOP/s here is indicative; the speedup is the figure that matters).
    {
        let x = seeded_values(10, 64 * 256);
        let g = seeded_values(11, 64);
        let be = seeded_values(12, 64);
        let (fb, ff) = (base.layernorm, best.layernorm);
        let (mut o0, mut o1) = (vec![0.0; 64 * 64], vec![0.0; 64 * 64]);
        let (x_, g_, be_) = (&x, &g, &be);
        let case = Case {
            op: "layernorm",
            layer: "transformer LN, 64 tokens".into(),
            shape: "64×64".into(),
            flops: 8 * 64 * 64,
            baseline: Box::new(|| fb(&x_[..4096], 64, 64, g_, be_, 1e-5, &mut o0)),
            variants: vec![(variant_name(&best, "layernorm"), Box::new(|| ff(&x_[..4096], 64, 64, g_, be_, 1e-5, &mut o1)))],
        };
        run_case(clock, cfg, &peak, case, &mut rows);
        let (gb, gf) = (base.gelu, best.gelu);
        let (mut y0, mut y1) = (x.clone(), x.clone());
        let case = Case {
            op: "gelu",
            layer: "transformer FFN GELU, 64 tokens".into(),
            shape: "64×256".into(),
            flops: 8 * 64 * 256,
            baseline: Box::new(|| {
                y0.copy_from_slice(x_);
                gb(&mut y0)
            }),
            variants: vec![(
                variant_name(&best, "gelu"),
                Box::new(|| {
                    y1.copy_from_slice(x_);
                    gf(&mut y1)
                }),
            )],
        };
        run_case(clock, cfg, &peak, case, &mut rows);
    }

    let models = if with_models { bench_models(clock, cfg, &peak, quick, boundary)? } else { Vec::new() };
    Ok(BenchReport { peak, kernels: rows, models, clock_scope: clock.scope().into(), clock_resolution_ms: clock.resolution_ms() })
}

fn variant_name(k: &Kernels, slot: &str) -> String {
    k.names.iter().find(|(s, _)| *s == slot).map_or("?", |e| e.1).to_string()
}

/// The JavaScript boundary of one engine call, as a caller of the page's engine pays it: the batch copied
/// from a JS typed array into wasm memory (what wasm-bindgen's glue does with a slice argument) and the
/// logits copied out into a new JS typed array. Implemented by `wasm_api` (the only module that touches
/// JS); the benchmark only times it, with the same clock as every other row.
pub trait CallBoundary {
    /// Holds `input` in a JS typed array, outside any timing (once per model and batch).
    fn stage(&mut self, input: &OwnedInput);
    /// Copies the staged JS array into wasm memory.
    fn copy_in(&self) -> OwnedInput;
    /// Copies `logits` into a new JS array (dropped at once, as a caller would keep it).
    fn copy_out(&self, logits: &[f32]);
}

/// Whole-model latency: the baseline (reference model, scalar table) against each faster path — SIMD
/// fp32, the INT8 entry on the INT8 table, the block-sparse and the unstructured-sparse entries on the
/// sparse table — each interleaved with
/// its own baseline run. FLOPs are the dense model's, so GFLOP/s of the INT8/sparse paths are
/// "effective" rates.
/// With a [`CallBoundary`], each batch also gets a `simd128_fp32_js_io` row: the SIMD128 entry with one
/// call's JS copy-in and copy-out inside the timed region.
fn bench_models(clock: &dyn Clock, cfg: RunConfig, peak: &Peak, quick: bool, mut boundary: Option<&mut dyn CallBoundary>) -> crate::Result<Vec<ModelRow>> {
    let (base, best) = (kernels::scalar(), kernels::best());
    let mut rows = Vec::new();
    for id in [EventId::MlpSprint, EventId::CnnMarathon, EventId::TransformerDecathlon] {
        let bench = events::load_benchmark(id)?;
        let batches: &[usize] = match (id, quick) {
            (_, true) => &[1],
            (EventId::TransformerDecathlon, false) => &[1, 16],
            _ => &[1, 64],
        };
        for &batch in batches {
            let input = bench.dataset.inputs(0, batch);
            let model = &bench.model;
            let flops = model.flops_per_inference() * batch as u64;
            let mut paths: Vec<(&str, Model, Kernels)> = vec![
                ("simd128_fp32", model.clone(), kernels::simd128()),
                ("int8", optimize::int8_model(id)?, kernels::int8()),
                ("sparse", optimize::sparse_model(id)?, kernels::sparse()),
                ("sparse_unstructured", optimized::unstructured_model(id)?, kernels::sparse()),
            ];
            if best.name != "scalar" && best.names != kernels::simd128().names {
                paths.push(("relaxed_fp32", model.clone(), best.clone()));
            }
            let mut base_ms = Vec::new();
            let mut fast = Vec::new();
            for (path, m, table) in &paths {
                let mut run_base = || {
                    core::hint::black_box(model.forward(&base, input.as_input(), batch).ok());
                };
                let mut run_fast = || {
                    core::hint::black_box(m.forward(table, input.as_input(), batch).ok());
                };
                let cmp = compare(clock, cfg, &mut run_base, &mut run_fast);
                base_ms.push(cmp.baseline.median_ms);
                fast.push((*path, cmp.candidate.median_ms, cmp.speedup));
            }
            if let Some(io) = boundary.as_deref_mut() {
                io.stage(&input);
                let io: &dyn CallBoundary = io;
                let (fast_model, fast_table) = (&paths[0].1, &paths[0].2);
                let mut run_base = || {
                    core::hint::black_box(model.forward(&base, input.as_input(), batch).ok());
                };
                let mut run_fast = || {
                    let staged = io.copy_in();
                    if let Ok(logits) = fast_model.forward(fast_table, staged.as_input(), batch) {
                        io.copy_out(&logits);
                    }
                };
                let cmp = compare(clock, cfg, &mut run_base, &mut run_fast);
                base_ms.push(cmp.baseline.median_ms);
                fast.push(("simd128_fp32_js_io", cmp.candidate.median_ms, cmp.speedup));
            }
            let mk = |path: &str, ms: f64, speedup: f64| {
                let gflops = flops as f64 / (ms * 1e6);
                ModelRow { event: id.as_str().into(), path: path.into(), batch, median_ms: ms, per_sample_ms: ms / batch as f64, gflops, pct_of_f32x4_peak: pct(gflops, peak), speedup_vs_baseline: speedup }
            };
            rows.push(mk("baseline", super::stats::median(&base_ms), 1.0));
            for (path, ms, speedup) in fast {
                rows.push(mk(path, ms, speedup));
            }
        }
    }
    Ok(rows)
}
