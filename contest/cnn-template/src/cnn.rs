//! CNN Marathon's forward pass, plain scalar loops, in the same order of operations as the engine's
//! scalar reference (so the logits match it bit for bit):
//!
//! ```text
//! 1×28×28 → Conv3×3(1→8, pad 1) → ReLU → MaxPool2 → 8×14×14
//!         → Conv3×3(8→16, pad 1) → ReLU → MaxPool2 → 16×7×7 = 784 (channel-major, PyTorch's flatten)
//!         → Linear 784→10
//! ```
//!
//! Weights as the engine passes them (every tensor in name order, little-endian f32):
//! `conv1.bias [8]`, `conv1.weight [8,1,3,3]`, `conv2.bias [16]`, `conv2.weight [16,8,3,3]`,
//! `fc.bias [10]`, `fc.weight [10,784]` (PyTorch layouts: `[out, in, ky, kx]` and `[out, in]`).

/// Reserves `bytes` bytes (4-byte aligned, never freed) and returns their address: what the ABI's
/// `alloc` export does.
pub fn reserve(bytes: i32) -> i32 {
    let mut v: Vec<u32> = Vec::with_capacity((bytes.max(4) as usize).div_ceil(4));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p as i32
}

/// Image side.
pub const SIDE: usize = 28;
/// Input pixels per sample (one channel, 28×28, row-major).
pub const INPUT: usize = SIDE * SIDE;
/// Output channels of the two convolutions.
pub const C1: usize = 8;
/// See [`C1`].
pub const C2: usize = 16;
/// Features fed to the classifier: 16·7·7.
pub const FLAT: usize = C2 * 7 * 7;
/// Output classes.
pub const CLASSES: usize = 10;

/// Values the engine sends: every tensor in name order.
pub const WEIGHT_VALUES: usize = C1 + C1 * 9 + C2 + C2 * C1 * 9 + CLASSES + CLASSES * FLAT;

/// The weights, in the file's layouts.
pub struct Cnn {
    pub conv1_w: Vec<f32>,
    pub conv1_b: Vec<f32>,
    pub conv2_w: Vec<f32>,
    pub conv2_b: Vec<f32>,
    /// `[10 × 784]`: row `o` holds the weights of class `o`.
    pub fc_w: Vec<f32>,
    pub fc_b: Vec<f32>,
}

impl Cnn {
    /// Splits the engine's weight values (name order); `None` if the count is wrong.
    pub fn from_values(v: &[f32]) -> Option<Cnn> {
        if v.len() != WEIGHT_VALUES {
            return None;
        }
        let mut at = 0;
        let mut take = |n: usize| {
            let s = v[at..at + n].to_vec();
            at += n;
            s
        };
        // Name order: conv1.bias < conv1.weight < conv2.bias < conv2.weight < fc.bias < fc.weight.
        let conv1_b = take(C1);
        let conv1_w = take(C1 * 9);
        let conv2_b = take(C2);
        let conv2_w = take(C2 * C1 * 9);
        let fc_b = take(CLASSES);
        let fc_w = take(CLASSES * FLAT);
        Some(Cnn { conv1_w, conv1_b, conv2_w, conv2_b, fc_w, fc_b })
    }

    /// Logits for one image (784 pixels) into `out` (10 values), all scalar.
    pub fn forward_one(&self, x: &[f32], out: &mut [f32]) {
        self.forward_one_with(x, out, conv3x3_relu);
    }

    /// Logits for one image with `conv` computing both convolutions (`conv` has the signature of
    /// [`conv3x3_relu`]: a faster convolution drops in here). They are 97% of the multiply-adds: conv2
    /// (8×14×14 → 16×14×14) does 204,800 of the model's 266,432 per image, conv1 (1×28×28 → 8×28×28)
    /// 53,792, the classifier 7,840.
    pub fn forward_one_with(&self, x: &[f32], out: &mut [f32], conv: impl Fn(usize, usize, usize, usize, &[f32], &[f32], &[f32], &mut [f32])) {
        let (s, s2, s4) = (SIDE, SIDE / 2, SIDE / 4);
        let mut a1 = vec![0.0f32; C1 * s * s];
        conv(1, C1, s, s, x, &self.conv1_w, &self.conv1_b, &mut a1);
        let mut p1 = vec![0.0f32; C1 * s2 * s2];
        maxpool2(C1, s, s, &a1, &mut p1);
        let mut a2 = vec![0.0f32; C2 * s2 * s2];
        conv(C1, C2, s2, s2, &p1, &self.conv2_w, &self.conv2_b, &mut a2);
        let mut p2 = vec![0.0f32; C2 * s4 * s4];
        maxpool2(C2, s2, s2, &a2, &mut p2);
        // p2 is C×7×7: already PyTorch's flatten order.
        for (o, y) in out.iter_mut().enumerate() {
            let w = &self.fc_w[o * FLAT..][..FLAT];
            let mut acc = self.fc_b[o];
            for k in 0..FLAT {
                acc += p2[k] * w[k];
            }
            *y = acc;
        }
    }
}

/// ReLU as the reference computes it: `x < 0 ? 0 : x` (NaN passes through).
#[inline]
pub fn relu(x: f32) -> f32 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// 3×3 convolution, stride 1, zero padding 1, bias, then ReLU, over one image:
/// `input [cin×h×w]`, `weight [cout×cin×3×3]`, `bias [cout]`, `out [cout×h×w]`. Each output starts
/// from its bias and adds the taps in the order input channel, then row `ky`, then column `kx`,
/// skipping taps that fall in the padding: exactly the reference's order. This is the hot loop.
#[allow(clippy::too_many_arguments)]
pub fn conv3x3_relu(cin: usize, cout: usize, h: usize, w: usize, input: &[f32], weight: &[f32], bias: &[f32], out: &mut [f32]) {
    for co in 0..cout {
        for y in 0..h {
            for x in 0..w {
                let mut acc = bias[co];
                for ci in 0..cin {
                    let plane = &input[ci * h * w..][..h * w];
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
                out[(co * h + y) * w + x] = relu(acc);
            }
        }
    }
}

/// 2×2 max-pool, stride 2, over `planes` planes of `h×w` (even sides here).
pub fn maxpool2(planes: usize, h: usize, w: usize, input: &[f32], out: &mut [f32]) {
    let (oh, ow) = (h / 2, w / 2);
    for p in 0..planes {
        let src = &input[p * h * w..][..h * w];
        for y in 0..oh {
            for x in 0..ow {
                let i = 2 * y * w + 2 * x;
                out[(p * oh + y) * ow + x] = src[i].max(src[i + 1]).max(src[i + w]).max(src[i + w + 1]);
            }
        }
    }
}
