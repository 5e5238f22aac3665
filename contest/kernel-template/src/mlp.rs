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

    /// Logits for one image (784 pixels) into `out` (10 values), with the scalar [`dense`].
    pub fn forward_one(&self, x: &[f32], out: &mut [f32]) {
        self.forward_one_with(x, out, dense);
    }

    /// Logits for one image with `layer` computing each dense layer (the signature of [`dense`]):
    /// a faster layer drops in here.
    pub fn forward_one_with(&self, x: &[f32], out: &mut [f32], layer: impl Fn(&[f32], &[f32], &[f32], &mut [f32], bool)) {
        let mut cur = x.to_vec();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            let mut next = vec![0.0f32; DIMS[i + 1]];
            layer(w, b, &cur, &mut next, i < 2);
            cur = next;
        }
        out.copy_from_slice(&cur);
    }
}

/// One dense layer, plain scalar loops: `y[o] = b[o] + Σₖ w[o·n + k] · x[k]` with `n = x.len()`
/// (`w` is `[y.len() × n]`, PyTorch layout), then ReLU when `relu`. This is the hot loop: 109 k
/// multiply-adds per image, one at a time.
pub fn dense(w: &[f32], b: &[f32], x: &[f32], y: &mut [f32], relu: bool) {
    let inp = x.len();
    for (o, yv) in y.iter_mut().enumerate() {
        let mut acc = b[o];
        for (k, xv) in x.iter().enumerate() {
            acc += w[o * inp + k] * xv;
        }
        *yv = if relu && acc < 0.0 { 0.0 } else { acc };
    }
}
