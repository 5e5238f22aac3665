//! SIMD128 3×3 convolution (stride 1, pad 1), two paths:
//! - **direct, Cin = 1** (`f32_conv3x3__simd128_direct`): the first layer of the CNN. The input plane is
//!   copied once into a zero-padded `(h+2)×(w+2)` buffer so the 9 taps need no bounds checks, and each
//!   output row is computed 4 pixels at a time with the 9 weights broadcast.
//! - **im2col + GEMM** (`f32_conv3x3__simd128_im2col`): for Cin > 1, each image is unfolded into a
//!   `(Cin·9) × (h·w)` matrix and multiplied by the `Cout × (Cin·9)` weights with the SIMD GEMM, which
//!   writes `Cout × (h·w)` — already the NCHW layout, so no transpose. Bias and activation are applied
//!   per output channel in one vector pass.
use crate::kernels::act::simd128::act_v;
use crate::kernels::{apply_act, gemm, Act, Conv3x3Shape, GemmShape};
use core::arch::wasm32::*;

/// Variant name.
pub const NAME: &str = "f32_conv3x3__simd128_direct_im2col";

/// Convolution with bias and fused activation; dispatches on `cin`.
pub fn f32_conv3x3(s: Conv3x3Shape, input: &[f32], weight: &[f32], bias: &[f32], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cin, cout, h, w } = s;
    assert!(input.len() >= n * cin * h * w && weight.len() >= cout * cin * 9 && bias.len() >= cout);
    assert!(out.len() >= n * cout * h * w, "conv output too small for {s:?}");
    if n == 0 || cout == 0 || h == 0 || w == 0 {
        return;
    }
    if cin == 1 {
        // SAFETY: bounds checked above.
        unsafe { direct_cin1(s, input, weight, bias, act, out) }
    } else {
        im2col_gemm(s, input, weight, bias, act, out)
    }
}

#[target_feature(enable = "simd128")]
unsafe fn direct_cin1(s: Conv3x3Shape, input: &[f32], weight: &[f32], bias: &[f32], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cout, h, w, .. } = s;
    let (ph, pw) = (h + 2, w + 2);
    let mut pad = vec![0.0f32; ph * pw + 4]; // +4: vector loads at the right edge stay in bounds
    for b in 0..n {
        for y in 0..h {
            pad[(y + 1) * pw + 1..][..w].copy_from_slice(&input[(b * h + y) * w..][..w]);
        }
        let pp = pad.as_ptr();
        for co in 0..cout {
            let wk = &weight[co * 9..][..9];
            let wv: [v128; 9] = core::array::from_fn(|t| f32x4_splat(wk[t]));
            let bv = f32x4_splat(bias[co]);
            let o = out.as_mut_ptr().add((b * cout + co) * h * w);
            for y in 0..h {
                let mut x = 0;
                while x + 4 <= w {
                    let mut acc = bv;
                    for ky in 0..3 {
                        let row = pp.add((y + ky) * pw + x);
                        for kx in 0..3 {
                            acc = f32x4_add(acc, f32x4_mul(v128_load(row.add(kx) as *const v128), wv[ky * 3 + kx]));
                        }
                    }
                    v128_store(o.add(y * w + x) as *mut v128, act_v(act, acc));
                    x += 4;
                }
                while x < w {
                    let mut acc = bias[co];
                    for ky in 0..3 {
                        for kx in 0..3 {
                            acc += *pp.add((y + ky) * pw + x + kx) * wk[ky * 3 + kx];
                        }
                    }
                    *o.add(y * w + x) = apply_act(act, acc);
                    x += 1;
                }
            }
        }
    }
}

fn im2col_gemm(s: Conv3x3Shape, input: &[f32], weight: &[f32], bias: &[f32], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cin, cout, h, w } = s;
    let hw = h * w;
    let kk = cin * 9;
    let mut col = vec![0.0f32; kk * hw];
    for b in 0..n {
        // Row (ci, ky, kx) of `col` holds the input shifted by (ky−1, kx−1), zero outside.
        for ci in 0..cin {
            let plane = &input[(b * cin + ci) * hw..][..hw];
            for ky in 0..3 {
                for kx in 0..3 {
                    let dst = &mut col[((ci * 9) + ky * 3 + kx) * hw..][..hw];
                    for y in 0..h {
                        let iy = y as isize + ky as isize - 1;
                        let drow = &mut dst[y * w..][..w];
                        if iy < 0 || iy >= h as isize {
                            drow.fill(0.0);
                            continue;
                        }
                        let srow = &plane[iy as usize * w..][..w];
                        match kx {
                            0 => {
                                drow[0] = 0.0;
                                drow[1..].copy_from_slice(&srow[..w - 1]);
                            }
                            1 => drow.copy_from_slice(srow),
                            _ => {
                                drow[..w - 1].copy_from_slice(&srow[1..]);
                                drow[w - 1] = 0.0;
                            }
                        }
                    }
                }
            }
        }
        let o = &mut out[b * cout * hw..][..cout * hw];
        gemm::simd128::f32_gemm(GemmShape { m: cout, k: kk, n: hw }, weight, &col, None, Act::None, o);
        // SAFETY: `o` holds cout·hw values.
        unsafe { bias_act_rows(o, cout, hw, bias, act) }
    }
}

#[target_feature(enable = "simd128")]
unsafe fn bias_act_rows(o: &mut [f32], rows: usize, cols: usize, bias: &[f32], act: Act) {
    for r in 0..rows {
        let p = o.as_mut_ptr().add(r * cols);
        let bv = f32x4_splat(bias[r]);
        let mut i = 0;
        while i + 4 <= cols {
            v128_store(p.add(i) as *mut v128, act_v(act, f32x4_add(v128_load(p.add(i) as *const v128), bv)));
            i += 4;
        }
        while i < cols {
            *p.add(i) = apply_act(act, *p.add(i) + bias[r]);
            i += 1;
        }
    }
}
