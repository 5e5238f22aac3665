//! The 3×3 convolution with WebAssembly SIMD128 (`--features simd`): a drop-in for
//! [`crate::cnn::conv3x3_relu`]. It is written for the second convolution (8 → 16 channels on 14×14:
//! 204,800 of the model's 266,432 multiply-adds per image), and the first one (1 → 8 on 28×28) calls it
//! too, because it is the same op and because the page credits the SIMD a kernel *executes*: with conv1
//! left on the scalar loop (which tests every tap for the padding), the module executed 1.9 M
//! arithmetic instructions per image of which 0.13 M v128, so SIMD carried 7% of the executed
//! arithmetic (25% earns the custom-kernel credit; with both convolutions here, 47%).
//!
//! What changed and why it is faster:
//! - **Four neighbouring pixels per instruction.** The scalar loop computes one output pixel at a time,
//!   one multiply and one add per tap. Here a `v128` holds four horizontally adjacent outputs of one
//!   channel: for a tap `(ci, ky, kx)` the four inputs they need are four consecutive floats of one
//!   input row, so one unaligned `v128_load` fetches them and one `f32x4_mul` + `f32x4_add` does the
//!   four multiply-adds. The weight is the same for the four lanes: `v128_load32_splat` reads it and
//!   copies it into every lane in one instruction.
//! - **No bounds tests in the hot loop.** The scalar loop checks, for every tap, whether it falls in
//!   the zero padding (`iy < 0 || iy >= h ...`). Here the input is first copied into a buffer with a
//!   real border of zeros (one row above and below, one column left, enough columns right for the last
//!   group of four), so every tap is a plain load: multiplying by a padding zero adds exactly 0.
//! - **Each load feeds several multiply-adds.** Four output channels and two groups of four pixels are
//!   computed together (eight `v128` accumulators, 32 outputs): each input load is used for four
//!   channels and each weight splat for two pixel groups, so there are 6 loads per 8 vector
//!   multiply-adds instead of 2 loads per scalar multiply-add. The eight accumulators are independent
//!   dependency chains, so the CPU overlaps them instead of waiting on one `acc`.
//! - **Only this function uses SIMD** (`#[target_feature(enable = "simd128")]`); the rest of the module
//!   is built as before (the pools and the 784 → 10 classifier stay scalar: the next steps are yours).
//!
//! Each lane adds its taps in the reference's order (bias, then input channel, row, column; padding
//! taps add a zero), so the logits are the scalar template's bit for bit (up to the sign of a zero):
//! vectorizing across pixels instead of across the sum keeps the summation order.
use core::arch::wasm32::*;

/// [`crate::cnn::conv3x3_relu`] on SIMD128; same arguments, same result. `cout` must be a multiple of 4.
#[allow(clippy::too_many_arguments)]
pub fn conv3x3_relu(cin: usize, cout: usize, h: usize, w: usize, input: &[f32], weight: &[f32], bias: &[f32], out: &mut [f32]) {
    assert!(cout % 4 == 0 && input.len() >= cin * h * w && weight.len() >= cout * cin * 9 && bias.len() >= cout && out.len() >= cout * h * w);
    // SAFETY: the slices' bounds are checked above; every address below stays inside them or inside
    // the padded copy (sized for the widest read). SIMD128 is available wherever the page runs kernels.
    unsafe { conv3x3_relu_simd128(cin, cout, h, w, input, weight, bias, out) }
}

#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "simd128")]
unsafe fn conv3x3_relu_simd128(cin: usize, cout: usize, h: usize, w: usize, input: &[f32], weight: &[f32], bias: &[f32], out: &mut [f32]) {
    // Output pixels of a row in groups of four, the groups taken two at a time (rounded up: a group
    // past the row's end is computed from padding zeros and not stored).
    let groups = w.div_ceil(4).next_multiple_of(2);
    // Padded plane: row y of the image is row y + 1, column x is column x + 1. The widest read is the
    // last group's tap kx = 2: columns up to 4·groups + 1.
    let (pw, ph) = (4 * groups + 2, h + 2);
    let mut padded = vec![0.0f32; cin * ph * pw];
    for ci in 0..cin {
        for y in 0..h {
            padded[(ci * ph + y + 1) * pw + 1..][..w].copy_from_slice(&input[(ci * h + y) * w..][..w]);
        }
    }
    let (pp, wp) = (padded.as_ptr(), weight.as_ptr());
    let zero = f32x4_splat(0.0);
    for co in (0..cout).step_by(4) {
        for y in 0..h {
            for g in (0..groups).step_by(2) {
                let x0 = 4 * g;
                // acc[j][u]: output channel co + j, pixels x0 + 4u .. x0 + 4u + 4 of row y.
                let mut acc = [[zero; 2]; 4];
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = [f32x4_splat(bias[co + j]); 2];
                }
                for ci in 0..cin {
                    // Output (y, x) reads padded rows y .. y + 2 and columns x .. x + 2.
                    let src = pp.add((ci * ph + y) * pw + x0);
                    let wk = [wp.add(((co * cin) + ci) * 9), wp.add(((co + 1) * cin + ci) * 9), wp.add(((co + 2) * cin + ci) * 9), wp.add(((co + 3) * cin + ci) * 9)];
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let row = src.add(ky * pw + kx);
                            let i0 = v128_load(row as *const v128);
                            let i1 = v128_load(row.add(4) as *const v128);
                            for (j, a) in acc.iter_mut().enumerate() {
                                let wv = v128_load32_splat(wk[j].add(ky * 3 + kx) as *const u32);
                                a[0] = f32x4_add(a[0], f32x4_mul(i0, wv));
                                a[1] = f32x4_add(a[1], f32x4_mul(i1, wv));
                            }
                        }
                    }
                }
                // ReLU as the reference does it: pmax(a, 0) is `a < 0 ? 0 : a`. Full groups are
                // stored whole; the row's last, partial group lane by lane.
                for (j, a) in acc.iter().enumerate() {
                    let row = &mut out[((co + j) * h + y) * w..][..w];
                    for (u, v) in a.iter().enumerate() {
                        let x = x0 + 4 * u;
                        let v = f32x4_pmax(*v, zero);
                        if x + 4 <= w {
                            v128_store(row.as_mut_ptr().add(x) as *mut v128, v);
                        } else if x < w {
                            let lanes: [f32; 4] = core::mem::transmute(v);
                            row[x..].copy_from_slice(&lanes[..w - x]);
                        }
                    }
                }
            }
        }
    }
}
