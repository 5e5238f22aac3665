//! Sparse dense-layer weights and kernels: magnitude pruning (unstructured, and structured 1×8 blocks
//! along the output dimension) and two sparse GEMMs, one per kind of sparsity.
//!
//! [`SparseWeights`] holds a `k×n` matrix in two compressed forms, both built once by
//! [`SparseWeights::from_dense`]:
//! - **1×8 blocks**: for each 8-column panel, the rows `k` whose 8 weights are not all zero, and those
//!   8 weights. Every stored block is two f32x4 vectors; the kernel does `acc += a[i, k] · block` over
//!   the stored blocks, 4 rows × 8 columns per tile. Work is `(stored blocks) / (all blocks)` of dense,
//!   so this is the kernel for *structured* (block-pruned) weights. An unstructured matrix at 80%
//!   sparsity still has ~84% of its 1×8 blocks non-zero.
//! - **CSC** (compressed sparse columns): for each output column `j`, the non-zero `(k, w[k, j])` in
//!   `k` order. The kernel vectorizes over the *batch* instead of over columns: it transposes `x` to
//!   `k×m` once, and each non-zero is `acc[rows] += xᵀ[k, rows] · w` on 8 f32x4 accumulators (32
//!   rows), so *unstructured* sparsity pays only for its non-zeros. It needs rows to vectorize over:
//!   at batch 1 three of four lanes are idle.
//!
//! The SIMD entry point ([`simd::f32_spgemm`]) picks the cheaper form per call from a cost model
//! (instruction counts of the inner loops, see [`SparseWeights::plan`]); the sparse table's `linear`
//! slot also considers the dense packed kernel, so a sparse entry is never slower than fp32.
//!
//! Both forms accumulate each output as the reference does (bias, then `k = 0, 1, …`, separate multiply
//! and add), skipping only exact zeros, and `x + 0·a = x`: the kernels equal the dense reference GEMM
//! run on the pruned matrix bit for bit.
use crate::kernels::{apply_act, Act, DenseWeights};

/// Width of a block: one 8-column panel row.
pub const BLOCK: usize = 8;
/// Scalar reference variant name (1×8 blocks).
pub const SCALAR_NAME: &str = "f32_spgemm__scalar_1x8";
/// Scalar reference over the CSC form.
pub const SCALAR_CSC_NAME: &str = "f32_spgemm__scalar_csc";
/// SIMD variant name: picks blocks or CSC per call (see the module docs).
pub const SIMD_NAME: &str = "f32_spgemm__simd128_auto";
/// SIMD 1×8 block kernel.
pub const SIMD_BLOCK_NAME: &str = "f32_spgemm__simd128_4x8_block";
/// SIMD CSC kernel, vectorized over the batch.
pub const SIMD_CSC_NAME: &str = "f32_spgemm__simd128_csc_32xm";

/// Sparse `k×n` weights in 1×8-block and CSC form (see the module docs). Built only by
/// [`SparseWeights::from_dense`], so every index is in range and the kernels need not re-check them.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseWeights {
    k: usize,
    n: usize,
    /// Blocks: `panel_start[p]..panel_start[p+1]` are panel `p`'s blocks.
    panel_start: Vec<usize>,
    /// Blocks: row index of each stored block.
    rows: Vec<u32>,
    /// Blocks: 8 values per stored block (zero-padded past `n`).
    vals: Vec<f32>,
    /// CSC: `col_start[j]..col_start[j+1]` are column `j`'s non-zeros.
    col_start: Vec<usize>,
    /// CSC: row index of each non-zero, ascending within a column.
    col_rows: Vec<u32>,
    /// CSC: value of each non-zero.
    col_vals: Vec<f32>,
}

/// Which kernel a sparse layer runs (chosen by [`SparseWeights::plan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparsePlan {
    /// The dense packed fp32 kernel (too little sparsity to pay for indexing).
    Dense,
    /// The 1×8 block kernel.
    Blocks,
    /// The CSC kernel.
    Csc,
}

impl SparseWeights {
    /// Compresses a row-major `k×n` matrix into both forms.
    pub fn from_dense(k: usize, n: usize, w: &[f32]) -> Self {
        assert!(w.len() >= k * n, "SparseWeights::from_dense: {} values for a {k}×{n} matrix", w.len());
        let panels = n.div_ceil(BLOCK);
        let (mut panel_start, mut rows, mut vals) = (vec![0], Vec::new(), Vec::new());
        for p in 0..panels {
            let cols = (n - p * BLOCK).min(BLOCK);
            for r in 0..k {
                let blk = &w[r * n + p * BLOCK..][..cols];
                if blk.iter().any(|&v| v != 0.0) {
                    rows.push(r as u32);
                    vals.extend_from_slice(blk);
                    vals.extend(std::iter::repeat_n(0.0, BLOCK - cols));
                }
            }
            panel_start.push(rows.len());
        }
        let (mut col_start, mut col_rows, mut col_vals) = (vec![0], Vec::new(), Vec::new());
        for j in 0..n {
            for r in 0..k {
                let v = w[r * n + j];
                if v != 0.0 {
                    col_rows.push(r as u32);
                    col_vals.push(v);
                }
            }
            col_start.push(col_rows.len());
        }
        SparseWeights { k, n, panel_start, rows, vals, col_start, col_rows, col_vals }
    }

    /// Rows (input width).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns (output width).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of stored 1×8 blocks.
    pub fn stored_blocks(&self) -> usize {
        self.rows.len()
    }

    /// Fraction of the `k × panels` blocks that are stored.
    pub fn block_density(&self) -> f64 {
        let total = self.k * self.n.div_ceil(BLOCK);
        if total == 0 {
            0.0
        } else {
            self.rows.len() as f64 / total as f64
        }
    }

    /// Number of non-zero weights.
    pub fn nnz(&self) -> usize {
        self.col_rows.len()
    }

    /// Fraction of the `k·n` weights that are non-zero.
    pub fn density(&self) -> f64 {
        if self.k * self.n == 0 {
            0.0
        } else {
            self.nnz() as f64 / (self.k * self.n) as f64
        }
    }

    /// The cheapest kernel for `rows` rows, from a cost model in "dense tile-step" units fitted to
    /// wasm timings (V8, x64; `tests/int8_sparse.rs` prints them): the dense packed 4×8 tile costs
    /// `2 + 5·mr` ops per k step (mr = rows in the tile); a stored 1×8 block costs the same plus ~7
    /// (index load, scattered activation loads); a CSC non-zero costs ~4.5 per 4 rows plus 3 per
    /// 32-row group, plus ~2 per element to transpose `x` and the output.
    pub fn plan(&self, rows: usize) -> SparsePlan {
        let (k, n) = (self.k as f64, self.n as f64);
        let tiles = rows.div_ceil(4) as f64;
        let panels = self.n.div_ceil(BLOCK) as f64;
        let mr = (rows as f64).min(4.0);
        let step = 2.0 + 5.0 * mr;
        let dense = tiles * panels * k * step;
        let blocks = tiles * (self.rows.len() as f64) * (step + 7.0);
        let vecs = rows.div_ceil(4) as f64;
        let groups = (vecs / 8.0).ceil();
        let csc = self.nnz() as f64 * (4.5 * vecs + 3.0 * groups) + 2.0 * rows as f64 * (k + n);
        if csc < blocks && csc < dense {
            SparsePlan::Csc
        } else if blocks < dense {
            SparsePlan::Blocks
        } else {
            SparsePlan::Dense
        }
    }
}

/// Unstructured magnitude pruning: zeroes the `round(sparsity · len)` smallest-magnitude weights
/// (ties broken by index, so the result is deterministic).
pub fn prune_unstructured(w: &mut [f32], sparsity: f64) {
    let drop = ((sparsity.clamp(0.0, 1.0)) * w.len() as f64).round() as usize;
    let mut order: Vec<usize> = (0..w.len()).collect();
    order.sort_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()).then(a.cmp(&b)));
    for &i in &order[..drop] {
        w[i] = 0.0;
    }
}

/// Unstructured pruning of a `k×n` matrix with each weight scored `|w[r, j]| · row_scale[r]` (the
/// Wanda criterion when `row_scale` is the input feature's RMS over calibration data; plain magnitude
/// without it). `per_column`: each output column keeps the same number of weights
/// (`round((1 − sparsity)·k)`, as Wanda does, which also balances the CSC kernel's columns); otherwise
/// one threshold over the whole layer. Returns the number of weights zeroed.
pub fn prune_unstructured_scored(k: usize, n: usize, w: &mut [f32], sparsity: f64, row_scale: Option<&[f32]>, per_column: bool) -> usize {
    assert!(w.len() >= k * n);
    let s = sparsity.clamp(0.0, 1.0);
    let score = |w: &[f32], i: usize| w[i].abs() * row_scale.map_or(1.0, |rs| rs[i / n.max(1)]);
    let groups: Vec<Vec<usize>> = if per_column { (0..n).map(|j| (0..k).map(|r| r * n + j).collect()).collect() } else { vec![(0..k * n).collect()] };
    let mut dropped = 0;
    for mut g in groups {
        let drop = (s * g.len() as f64).round() as usize;
        g.sort_by(|&a, &b| score(w, a).total_cmp(&score(w, b)).then(a.cmp(&b)));
        for &i in &g[..drop] {
            w[i] = 0.0;
        }
        dropped += drop;
    }
    dropped
}

/// Structured pruning in 1×8 blocks (one row of an 8-column panel): zeroes the `round(sparsity · blocks)`
/// blocks with the smallest L2 norm over the whole matrix (ties by position). Returns the number of
/// blocks zeroed.
pub fn prune_blocks(k: usize, n: usize, w: &mut [f32], sparsity: f64) -> usize {
    prune_blocks_scored(k, n, w, sparsity, None)
}

/// [`prune_blocks`] with each block's norm multiplied by `row_scale[r]`, the typical magnitude of the
/// input feature the row multiplies (the Wanda criterion, |W|·‖X‖, at block granularity): a large
/// weight on an input that is always zero (a border pixel) costs nothing to drop.
pub fn prune_blocks_scored(k: usize, n: usize, w: &mut [f32], sparsity: f64, row_scale: Option<&[f32]>) -> usize {
    let panels = n.div_ceil(BLOCK);
    let score = |w: &[f32], p: usize, r: usize| -> f32 {
        let norm: f32 = (p * BLOCK..((p + 1) * BLOCK).min(n)).map(|j| w[r * n + j] * w[r * n + j]).sum::<f32>().sqrt();
        norm * row_scale.map_or(1.0, |s| s[r])
    };
    let mut blocks: Vec<(f32, usize, usize)> = (0..panels).flat_map(|p| (0..k).map(move |r| (p, r))).map(|(p, r)| (score(w, p, r), p, r)).collect();
    blocks.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let drop = ((sparsity.clamp(0.0, 1.0)) * blocks.len() as f64).round() as usize;
    for &(_, p, r) in &blocks[..drop] {
        for j in p * BLOCK..((p + 1) * BLOCK).min(n) {
            w[r * n + j] = 0.0;
        }
    }
    drop
}

/// Reference block-sparse layer: plain loops over the stored blocks, reference accumulation order.
pub fn f32_spgemm_reference(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let (k, n) = (w.k, w.n);
    assert!(x.len() >= rows * k && out.len() >= rows * n);
    for p in 0..w.panel_start.len() - 1 {
        let cols = (n - p * BLOCK).min(BLOCK);
        for i in 0..rows {
            for c in 0..cols {
                let mut acc = bias.map_or(0.0, |b| b[p * BLOCK + c]);
                for blk in w.panel_start[p]..w.panel_start[p + 1] {
                    acc += x[i * k + w.rows[blk] as usize] * w.vals[blk * BLOCK + c];
                }
                out[i * n + p * BLOCK + c] = apply_act(act, acc);
            }
        }
    }
}

/// Reference CSC layer: plain loops over each column's non-zeros, reference accumulation order.
pub fn f32_spgemm_csc_reference(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    let (k, n) = (w.k, w.n);
    assert!(x.len() >= rows * k && out.len() >= rows * n);
    for i in 0..rows {
        for j in 0..n {
            let mut acc = bias.map_or(0.0, |b| b[j]);
            for e in w.col_start[j]..w.col_start[j + 1] {
                acc += x[i * k + w.col_rows[e] as usize] * w.col_vals[e];
            }
            out[i * n + j] = apply_act(act, acc);
        }
    }
}

/// The sparse table's `linear` slot: whichever of the dense packed, 1×8-block and CSC kernels is
/// cheapest for this layer and batch ([`SparseWeights::plan`]); the fp32 packed kernel for layers
/// without a sparse form.
#[cfg(target_arch = "wasm32")]
pub fn sparse_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    match &w.sparse {
        Some(s) if s.plan(rows) != SparsePlan::Dense => simd::f32_spgemm(rows, x, s, bias, act, out),
        _ => super::simd128::f32_linear(rows, x, w, bias, act, out),
    }
}

/// Natively the sparse table runs the reference sparse kernel.
#[cfg(not(target_arch = "wasm32"))]
pub fn sparse_linear(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    match &w.sparse {
        Some(s) => f32_spgemm_reference(rows, x, s, bias, act, out),
        None => super::scalar::f32_linear(rows, x, w, bias, act, out),
    }
}

/// Every sparse-layer variant in this build (scalar references first), for tests and benchmarks.
pub fn variants() -> Vec<(&'static str, crate::kernels::SparseLinearFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, crate::kernels::SparseLinearFn)> = vec![(SCALAR_NAME, f32_spgemm_reference), (SCALAR_CSC_NAME, f32_spgemm_csc_reference)];
    #[cfg(target_arch = "wasm32")]
    v.extend([(SIMD_NAME, simd::f32_spgemm as crate::kernels::SparseLinearFn), (SIMD_BLOCK_NAME, simd::f32_spgemm_blocks), (SIMD_CSC_NAME, simd::f32_spgemm_csc)]);
    v
}

/// The SIMD128 sparse kernels.
#[cfg(target_arch = "wasm32")]
pub mod simd {
    use super::{SparsePlan, SparseWeights, BLOCK};
    use crate::kernels::act::simd128::act_v;
    use crate::kernels::Act;
    use crate::kernels::gemm::simd128::{store_row8, transpose};
    use crate::kernels::scratch::with_scratch;
    use core::arch::wasm32::*;
    use std::cell::RefCell;

    fn check(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, out: &[f32]) {
        // Indices were validated by construction (`from_dense` is the only constructor).
        let (k, n) = (w.k, w.n);
        assert!(x.len() >= rows * k && out.len() >= rows * n, "sparse gemm buffers too small for {rows}×{k}×{n}");
        if let Some(b) = bias {
            assert!(b.len() >= n);
        }
    }

    /// `out = act(x·W + bias)` with the cheaper of the block and CSC kernels for this batch.
    pub fn f32_spgemm(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
        match w.plan(rows) {
            SparsePlan::Csc => f32_spgemm_csc(rows, x, w, bias, act, out),
            _ => f32_spgemm_blocks(rows, x, w, bias, act, out),
        }
    }

    /// 1×8 block kernel, 4 rows × one panel per tile.
    pub fn f32_spgemm_blocks(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
        check(rows, x, w, bias, out);
        // SAFETY: buffer sizes checked above, row indices < k by construction.
        unsafe { blocks_imp(rows, x, w, bias, act, out) }
    }

    #[target_feature(enable = "simd128")]
    unsafe fn blocks_imp(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
        let mut i = 0;
        while i < rows {
            let mr = (rows - i).min(4);
            for p in 0..w.panel_start.len() - 1 {
                row_tile!(mr, tile(i, p, x, w, bias, act, out));
            }
            i += mr;
        }
    }

    #[inline(always)]
    unsafe fn tile<const MR: usize>(i: usize, p: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
        let (k, n) = (w.k, w.n);
        let j = p * BLOCK;
        let cols = (n - j).min(BLOCK);
        let mut bb = [0.0f32; 8];
        if let Some(b) = bias {
            bb[..cols].copy_from_slice(&b[j..j + cols]);
        }
        let mut acc0 = [v128_load(bb.as_ptr() as *const v128); MR];
        let mut acc1 = [v128_load(bb.as_ptr().add(4) as *const v128); MR];
        let xp = x.as_ptr().add(i * k);
        for blk in w.panel_start[p]..w.panel_start[p + 1] {
            let r0 = *w.rows.get_unchecked(blk) as usize;
            let vp = w.vals.as_ptr().add(blk * BLOCK);
            let (w0, w1) = (v128_load(vp as *const v128), v128_load(vp.add(4) as *const v128));
            for r in 0..MR {
                let av = f32x4_splat(*xp.add(r * k + r0));
                acc0[r] = f32x4_add(acc0[r], f32x4_mul(av, w0));
                acc1[r] = f32x4_add(acc1[r], f32x4_mul(av, w1));
            }
        }
        for r in 0..MR {
            let dst = out.as_mut_ptr().add((i + r) * n + j);
            let (y0, y1) = (act_v(act, acc0[r]), act_v(act, acc1[r]));
            store_row8(dst, cols, y0, y1);
        }
    }

    thread_local! {
        /// `xᵀ` and `outᵀ` of the current CSC call, reused across calls.
        static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    }

    /// CSC kernel: `x` transposed to `k×mp` (`mp` = rows rounded up to 4, zero-padded), each column's
    /// non-zeros applied to 32 rows (8 f32x4 accumulators) at a time, `outᵀ` transposed back.
    pub fn f32_spgemm_csc(rows: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
        check(rows, x, w, bias, out);
        if rows == 0 || w.n == 0 {
            return;
        }
        with_scratch(&SCRATCH, |(xt, yt)| {
            let mp = rows.div_ceil(4) * 4;
            if xt.len() < w.k * mp {
                xt.resize(w.k * mp, 0.0);
            }
            // The padding lanes (rows..mp) feed only dropped outputs, but stale NaN/inf there would
            // raise float exceptions in no one's interest: zero them.
            if mp > rows {
                for r in 0..w.k {
                    xt[r * mp + rows..(r + 1) * mp].fill(0.0);
                }
            }
            if yt.len() < w.n * mp {
                yt.resize(w.n * mp, 0.0);
            }
            // SAFETY: checked above; xt is k×mp, yt n×mp.
            unsafe { csc_imp(rows, mp, x, w, bias, act, xt, yt, out) }
        });
    }

    #[target_feature(enable = "simd128")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn csc_imp(rows: usize, mp: usize, x: &[f32], w: &SparseWeights, bias: Option<&[f32]>, act: Act, xt: &mut [f32], yt: &mut [f32], out: &mut [f32]) {
        let (k, n) = (w.k, w.n);
        // xᵀ: 4×4 blocks through registers where both dimensions allow, scalar edges.
        transpose(x.as_ptr(), rows, k, k, xt.as_mut_ptr(), mp);
        let nv = mp / 4;
        let xtp = xt.as_ptr();
        for j in 0..n {
            let b = f32x4_splat(bias.map_or(0.0, |b| b[j]));
            let (e0, e1) = (w.col_start[j], w.col_start[j + 1]);
            let ytp = yt.as_mut_ptr().add(j * mp);
            let mut v = 0;
            while v + 8 <= nv {
                col::<8>(v, e0, e1, w, xtp, mp, b, act, ytp);
                v += 8;
            }
            match nv - v {
                0 => {}
                1 => col::<1>(v, e0, e1, w, xtp, mp, b, act, ytp),
                2 => col::<2>(v, e0, e1, w, xtp, mp, b, act, ytp),
                3 => col::<3>(v, e0, e1, w, xtp, mp, b, act, ytp),
                4 => col::<4>(v, e0, e1, w, xtp, mp, b, act, ytp),
                5 => col::<5>(v, e0, e1, w, xtp, mp, b, act, ytp),
                6 => col::<6>(v, e0, e1, w, xtp, mp, b, act, ytp),
                _ => col::<7>(v, e0, e1, w, xtp, mp, b, act, ytp),
            }
        }
        // outᵀ (n×mp) back to out (rows×n).
        transpose(yt.as_ptr(), n, rows, mp, out.as_mut_ptr(), n);
    }

    /// `V` f32x4 accumulators (rows `4v..4(v+V)`) of output column `j` over its non-zeros `e0..e1`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn col<const V: usize>(v: usize, e0: usize, e1: usize, w: &SparseWeights, xtp: *const f32, mp: usize, b: v128, act: Act, ytp: *mut f32) {
        let mut acc = [b; V];
        let base = xtp.add(4 * v);
        for e in e0..e1 {
            let r = *w.col_rows.get_unchecked(e) as usize;
            let wv = f32x4_splat(*w.col_vals.get_unchecked(e));
            let xr = base.add(r * mp);
            for (t, a) in acc.iter_mut().enumerate() {
                *a = f32x4_add(*a, f32x4_mul(v128_load(xr.add(4 * t) as *const v128), wv));
            }
        }
        for (t, a) in acc.iter().enumerate() {
            v128_store(ytp.add(4 * (v + t)) as *mut v128, act_v(act, *a));
        }
    }
}
