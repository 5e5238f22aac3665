//! Reference 3×3 convolution, stride 1, zero padding 1: direct loops over `N×Cin×H×W` input and
//! `Cout×Cin×3×3` weights, output `N×Cout×H×W`.
use crate::kernels::{apply_act, Act, Conv3x3Shape};

/// Scalar reference convolution with bias and fused activation.
#[inline(never)]
pub fn f32_conv3x3(s: Conv3x3Shape, input: &[f32], weight: &[f32], bias: &[f32], act: Act, out: &mut [f32]) {
    let Conv3x3Shape { n, cin, cout, h, w } = s;
    assert!(input.len() >= n * cin * h * w && weight.len() >= cout * cin * 9 && bias.len() >= cout);
    assert!(out.len() >= n * cout * h * w, "conv output too small for {s:?}");
    for b in 0..n {
        for co in 0..cout {
            for y in 0..h {
                for x in 0..w {
                    let mut acc = bias[co];
                    for ci in 0..cin {
                        let plane = &input[(b * cin + ci) * h * w..][..h * w];
                        let wk = &weight[(co * cin + ci) * 9..][..9];
                        for ky in 0..3 {
                            let iy = y as isize + ky as isize - 1;
                            if iy < 0 || iy >= h as isize {
                                continue;
                            }
                            for kx in 0..3 {
                                let ix = x as isize + kx as isize - 1;
                                if ix < 0 || ix >= w as isize {
                                    continue;
                                }
                                acc += plane[iy as usize * w + ix as usize] * wk[ky * 3 + kx];
                            }
                        }
                    }
                    out[((b * cout + co) * h + y) * w + x] = apply_act(act, acc);
                }
            }
        }
    }
}
