//! The matrix product with WebAssembly SIMD128 (`--features simd`): a drop-in for
//! [`crate::transformer::gemm`], so it computes every product of the model: the Q, K, V, O
//! projections and the FFN (64 rows × k → n, n = 64 or 256: 6.3 M multiply-adds per sequence) and
//! attention's `q_h·k_hᵀ` and `softmax·v_h` (1 M).
//!
//! What changed and why it is faster:
//! - **Four output columns per instruction.** The scalar loop computes one output at a time:
//!   `acc += a[i][p] · b[p][j]`, one multiply and one add per step. `b` is stored `k×n` (row `p` holds
//!   input `p`'s weight for every output), so `b[p][j .. j + 4]` are four consecutive floats: one
//!   `v128_load` fetches them, `v128_load32_splat` copies `a[i][p]` into the four lanes, and one
//!   `f32x4_mul` + `f32x4_add` does four multiply-adds, for outputs `j .. j + 4` of row `i`.
//! - **A 4 × 8 tile of outputs at a time.** Four rows and eight columns (two `v128` per row) are
//!   accumulated together in eight registers: each load of `b` is used by four rows and each splat of
//!   `a` by two column groups, so one step of `p` is 2 loads + 4 splats for 8 vector multiply-adds
//!   (32 scalar ones), where the scalar loop does 2 loads per multiply-add. The eight accumulators are
//!   independent dependency chains, which the CPU overlaps instead of waiting on one `acc`.
//! - **No index arithmetic or bounds checks in the hot loop**: raw pointers stepped by one row of `b`
//!   (`n` floats) per `p`, after the slices' lengths are checked once up front.
//! - **Only this function uses SIMD** (`#[target_feature(enable = "simd128")]`); the rest of the
//!   module is built as before (softmax, LayerNorm, GELU and the 64 → 4 head stay scalar: the next
//!   steps are yours).
//!
//! Each lane sums exactly as the reference does (its bias or 0 first, then `p = 0, 1, ...` in order):
//! vectorizing across output columns rather than across the sum keeps the summation order, so the
//! logits are the scalar template's bit for bit, not just within the equivalence budget.
use core::arch::wasm32::*;

/// [`crate::transformer::gemm`] on SIMD128; same arguments, same result.
#[allow(clippy::too_many_arguments)]
pub fn gemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &mut [f32]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n && bias.map_or(true, |bb| bb.len() >= n));
    if n % 8 != 0 {
        // The 64 → 4 head, on one pooled row: 256 multiply-adds, not worth a tile.
        return crate::transformer::gemm(m, k, n, a, b, bias, c);
    }
    let tiled = m - m % 4;
    // SAFETY: the lengths are checked above and the tiles cover rows 0..tiled and columns 0..n (a
    // multiple of 8). SIMD128 is available wherever the page runs kernels.
    unsafe { gemm_simd128(tiled, k, n, a, b, bias, c) }
    if tiled < m {
        // Rows past the last multiple of 4 (none in this model: every product has 64 rows).
        crate::transformer::gemm(m - tiled, k, n, &a[tiled * k..], b, bias, &mut c[tiled * n..]);
    }
}

#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "simd128")]
unsafe fn gemm_simd128(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &mut [f32]) {
    let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    for i in (0..m).step_by(4) {
        // The four rows of `a` of this tile.
        let ar = [ap.add(i * k), ap.add((i + 1) * k), ap.add((i + 2) * k), ap.add((i + 3) * k)];
        for j in (0..n).step_by(8) {
            // acc[r][u] = outputs j + 4u .. j + 4u + 4 of row i + r, starting from their biases (or 0).
            let start = match bias {
                Some(bb) => [v128_load(bb.as_ptr().add(j) as *const v128), v128_load(bb.as_ptr().add(j + 4) as *const v128)],
                None => [f32x4_splat(0.0); 2],
            };
            let mut acc = [start; 4];
            // b[p][j .. j + 8], one row of b further each step.
            let mut brow = bp.add(j);
            for p in 0..k {
                let b0 = v128_load(brow as *const v128);
                let b1 = v128_load(brow.add(4) as *const v128);
                for (acc_r, arow) in acc.iter_mut().zip(ar) {
                    let av = v128_load32_splat(arow.add(p) as *const u32);
                    acc_r[0] = f32x4_add(acc_r[0], f32x4_mul(av, b0));
                    acc_r[1] = f32x4_add(acc_r[1], f32x4_mul(av, b1));
                }
                brow = brow.add(n);
            }
            for (r, acc_r) in acc.iter().enumerate() {
                let out = cp.add((i + r) * n + j);
                v128_store(out as *mut v128, acc_r[0]);
                v128_store(out.add(4) as *mut v128, acc_r[1]);
            }
        }
    }
}
