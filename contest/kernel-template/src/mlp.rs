//! MLP Sprint's forward pass, plain scalar loops: `784 → Linear 128 → ReLU → Linear 64 → ReLU →
//! Linear 10`. Weights in PyTorch layout (`[out, in]`, row-major), as the engine passes them.

/// Reserves `bytes` bytes (4-byte aligned, never freed) and returns their address: what the ABI's
/// `alloc` export does.
pub fn reserve(bytes: i32) -> i32 {
    let mut v: Vec<u32> = Vec::with_capacity((bytes.max(4) as usize).div_ceil(4));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p as i32
}

/// Input pixels per sample.
pub const INPUT: usize = 784;
/// Layer widths.
pub const DIMS: [usize; 4] = [784, 128, 64, 10];
/// Output classes.
pub const CLASSES: usize = 10;

/// The weights, one `(weight [out × in], bias [out])` per layer.
pub struct Mlp {
    /// `fc1`, `fc2`, `fc3`.
    pub layers: [(Vec<f32>, Vec<f32>); 3],
}

/// Values the engine sends: every tensor in name order (`fc1.bias`, `fc1.weight`, `fc2.bias`,
/// `fc2.weight`, `fc3.bias`, `fc3.weight`).
pub const WEIGHT_VALUES: usize = 128 + 128 * 784 + 64 + 64 * 128 + 10 + 10 * 64;

impl Mlp {
    /// Splits the engine's weight values; `None` if the count is wrong.
    pub fn from_values(v: &[f32]) -> Option<Mlp> {
        if v.len() != WEIGHT_VALUES {
            return None;
        }
        let mut at = 0;
        let mut take = |n: usize| {
            let s = v[at..at + n].to_vec();
            at += n;
            s
        };
        let mut layer = |i: usize| {
            let (inp, out) = (DIMS[i], DIMS[i + 1]);
            let bias = take(out);
            let weight = take(out * inp);
            (weight, bias)
        };
        Some(Mlp { layers: [layer(0), layer(1), layer(2)] })
    }

    /// Logits for one image (784 pixels) into `out` (10 values).
    pub fn forward_one(&self, x: &[f32], out: &mut [f32]) {
        let mut cur = x.to_vec();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            let (inp, width) = (DIMS[i], DIMS[i + 1]);
            let mut next = vec![0.0f32; width];
            for (o, y) in next.iter_mut().enumerate() {
                let mut acc = b[o];
                for (k, xv) in cur.iter().enumerate().take(inp) {
                    acc += w[o * inp + k] * xv;
                }
                *y = if i < 2 && acc < 0.0 { 0.0 } else { acc };
            }
            cur = next;
        }
        out.copy_from_slice(&cur);
    }
}
