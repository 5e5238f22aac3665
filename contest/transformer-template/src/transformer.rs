//! Transformer Decathlon's forward pass, plain scalar loops, in the same order of operations as the
//! engine's scalar reference (so the logits match it bit for bit):
//!
//! ```text
//! x = tok_emb[ids] + pos_emb                                   64 positions × 64
//! for each of the 2 blocks:
//!     h = LN1(x);  q, k, v = h·Wq + bq, h·Wk + bk, h·Wv + bv    64×64 each
//!     a = softmax(q_h k_hᵀ / 4) v_h for each of the 4 heads    (head h = columns 16h .. 16h + 16)
//!     x = x + a·Wo + bo
//!     x = x + GELU_tanh(LN2(x)·W1 + b1)·W2 + b2               64 → 256 → 64
//! logits = mean over positions(LN_f(x))·Whead + bhead          64 → 4
//! ```
//!
//! Every matrix product (the dense layers and attention's two products) goes through one function,
//! [`gemm`]: the hot op, 100% of the model's multiply-adds.
//!
//! Weights as the engine passes them: every tensor in name order (see [`Transformer::from_values`]),
//! little-endian f32, Linear weights in PyTorch's `[out, in]` layout. They are transposed once here
//! into `[in, out]` (input-major, as the reference's GEMM reads them).

/// Reserves `bytes` bytes (4-byte aligned, never freed) and returns their address: what the ABI's
/// `alloc` export does.
pub fn reserve(bytes: i32) -> i32 {
    let mut v: Vec<u32> = Vec::with_capacity((bytes.max(4) as usize).div_ceil(4));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p as i32
}

/// Vocabulary size: token ids are 0..16.
pub const VOCAB: usize = 16;
/// Tokens per sequence (the input of one sample: 64 u32 ids).
pub const SEQ: usize = 64;
/// Model width.
pub const DIM: usize = 64;
/// Attention heads, each `DIM / HEADS` = 16 wide.
pub const HEADS: usize = 4;
/// FFN hidden width.
pub const FFN: usize = 256;
/// Encoder blocks.
pub const LAYERS: usize = 2;
/// Output classes.
pub const CLASSES: usize = 4;
/// LayerNorm epsilon (PyTorch's default).
pub const LN_EPS: f32 = 1e-5;

/// Values the engine sends: every tensor in name order (105,476).
pub const WEIGHT_VALUES: usize = LAYERS * (4 * (DIM * DIM + DIM) + (FFN * DIM + FFN) + (DIM * FFN + DIM) + 4 * DIM) + (CLASSES * DIM + CLASSES) + 2 * DIM + SEQ * DIM + VOCAB * DIM;

/// A dense layer `y = x·W + b`.
pub struct Linear {
    /// Input width (`k`).
    pub k: usize,
    /// Output width (`n`).
    pub n: usize,
    /// `k × n`, row-major: row `p` holds input `p`'s weight for every output (the transpose of the
    /// file's `[out, in]`).
    pub w: Vec<f32>,
    /// `n` values.
    pub b: Vec<f32>,
}

/// LayerNorm gain and shift.
pub struct Norm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// One pre-LN encoder block.
pub struct Block {
    pub ln1: Norm,
    pub q: Linear,
    pub k: Linear,
    pub v: Linear,
    pub o: Linear,
    pub ln2: Norm,
    pub fc1: Linear,
    pub fc2: Linear,
}

/// The weights.
pub struct Transformer {
    /// `[16 × 64]`: row `t` is token `t`'s embedding.
    pub tok_emb: Vec<f32>,
    /// `[64 × 64]`: row `i` is position `i`'s embedding.
    pub pos_emb: Vec<f32>,
    pub blocks: Vec<Block>,
    pub ln_f: Norm,
    pub head: Linear,
}

/// Reads the values in order.
struct Reader<'a> {
    v: &'a [f32],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Vec<f32> {
        let s = self.v[self.at..self.at + n].to_vec();
        self.at += n;
        s
    }
    /// `<prefix>.bias [out]` then `<prefix>.weight [out, in]` (name order), weight transposed.
    fn linear(&mut self, k: usize, n: usize) -> Linear {
        let b = self.take(n);
        let w_out_in = self.take(n * k);
        let mut w = vec![0.0f32; k * n];
        for o in 0..n {
            for i in 0..k {
                w[i * n + o] = w_out_in[o * k + i];
            }
        }
        Linear { k, n, w, b }
    }
    /// `<prefix>.bias [dim]` then `<prefix>.weight [dim]` (name order).
    fn norm(&mut self, dim: usize) -> Norm {
        let beta = self.take(dim);
        let gamma = self.take(dim);
        Norm { gamma, beta }
    }
}

impl Transformer {
    /// Splits the engine's weight values; `None` if the count is wrong. Name order (byte order of the
    /// tensor names), for `i` = 0, 1:
    /// `blocks.{i}.attn.k.bias, .k.weight, .o.bias, .o.weight, .q.bias, .q.weight, .v.bias, .v.weight,
    /// blocks.{i}.ffn.fc1.bias, .fc1.weight [256,64], .fc2.bias, .fc2.weight [64,256],
    /// blocks.{i}.ln1.bias, .ln1.weight, .ln2.bias, .ln2.weight`; then `head.bias [4], head.weight [4,64],
    /// ln_f.bias, ln_f.weight, pos_emb.weight [64,64], tok_emb.weight [16,64]`.
    pub fn from_values(v: &[f32]) -> Option<Transformer> {
        if v.len() != WEIGHT_VALUES {
            return None;
        }
        let mut r = Reader { v, at: 0 };
        let blocks = (0..LAYERS)
            .map(|_| {
                let k = r.linear(DIM, DIM);
                let o = r.linear(DIM, DIM);
                let q = r.linear(DIM, DIM);
                let v = r.linear(DIM, DIM);
                let fc1 = r.linear(DIM, FFN);
                let fc2 = r.linear(FFN, DIM);
                let ln1 = r.norm(DIM);
                let ln2 = r.norm(DIM);
                Block { ln1, q, k, v, o, ln2, fc1, fc2 }
            })
            .collect();
        let head = r.linear(DIM, CLASSES);
        let ln_f = r.norm(DIM);
        let pos_emb = r.take(SEQ * DIM);
        let tok_emb = r.take(VOCAB * DIM);
        Some(Transformer { tok_emb, pos_emb, blocks, ln_f, head })
    }

    /// Logits (4) for one sequence of 64 token ids, all scalar; `None` if an id is not below 16.
    pub fn forward_one(&self, ids: &[u32], out: &mut [f32]) -> Option<()> {
        self.forward_one_with(ids, out, gemm)
    }

    /// Logits for one sequence with `mm` computing every matrix product (the signature of [`gemm`]):
    /// the Q, K, V, O projections, the FFN and attention's two products are all of the model's
    /// multiply-adds, so a faster GEMM drops in here.
    pub fn forward_one_with(&self, ids: &[u32], out: &mut [f32], mm: impl Fn(usize, usize, usize, &[f32], &[f32], Option<&[f32]>, &mut [f32]) + Copy) -> Option<()> {
        let (s, d) = (SEQ, DIM);
        let dense = |rows: usize, x: &[f32], l: &Linear, y: &mut [f32]| mm(rows, l.k, l.n, x, &l.w, Some(&l.b), y);
        let mut x = vec![0.0f32; s * d];
        for (i, &id) in ids.iter().enumerate() {
            if id as usize >= VOCAB {
                return None;
            }
            x[i * d..][..d].copy_from_slice(&self.tok_emb[id as usize * d..][..d]);
        }
        add_in_place(&mut x, &self.pos_emb);
        let (mut h, mut q, mut k, mut v, mut a, mut o) = (vec![0.0f32; s * d], vec![0.0f32; s * d], vec![0.0f32; s * d], vec![0.0f32; s * d], vec![0.0f32; s * d], vec![0.0f32; s * d]);
        let mut f = vec![0.0f32; s * FFN];
        for b in &self.blocks {
            layernorm(&x, s, d, &b.ln1, &mut h);
            dense(s, &h, &b.q, &mut q);
            dense(s, &h, &b.k, &mut k);
            dense(s, &h, &b.v, &mut v);
            attention(&q, &k, &v, &mut a, mm);
            dense(s, &a, &b.o, &mut o);
            add_in_place(&mut x, &o);
            layernorm(&x, s, d, &b.ln2, &mut h);
            dense(s, &h, &b.fc1, &mut f);
            for t in f.iter_mut() {
                *t = gelu(*t);
            }
            dense(s, &f, &b.fc2, &mut o);
            add_in_place(&mut x, &o);
        }
        layernorm(&x, s, d, &self.ln_f, &mut h);
        let mut pooled = [0.0f32; DIM];
        for (i, p) in pooled.iter_mut().enumerate() {
            let mut sum = 0.0;
            for r in 0..s {
                sum += h[r * d + i];
            }
            *p = sum / s as f32;
        }
        dense(1, &pooled, &self.head, out);
        Some(())
    }
}

/// The matrix product, plain scalar loops: `c[i·n + j] = bias[j] + Σₚ a[i·k + p] · b[p·n + j]` (`a` is
/// `m×k`, `b` is `k×n`, `c` is `m×n`, all row-major; no bias = 0), summed in order `p = 0, 1, ...`
/// like the reference's GEMM and attention loops. This is the hot loop: all 7.3 M multiply-adds of
/// the model, one at a time.
#[allow(clippy::too_many_arguments)]
pub fn gemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &mut [f32]) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = bias.map_or(0.0, |bb| bb[j]);
            for p in 0..k {
                acc += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = acc;
        }
    }
}

/// `x += y`, elementwise (residual and positional additions).
pub fn add_in_place(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// LayerNorm over each row of width `dim`: `(x − mean) / √(var + eps) · gamma + beta`, with the biased
/// variance (as PyTorch computes it).
pub fn layernorm(x: &[f32], rows: usize, dim: usize, n: &Norm, out: &mut [f32]) {
    for r in 0..rows {
        let row = &x[r * dim..][..dim];
        let mean = row.iter().sum::<f32>() / dim as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / dim as f32;
        let inv = 1.0 / (var + LN_EPS).sqrt();
        for i in 0..dim {
            out[r * dim + i] = (row[i] - mean) * inv * n.gamma[i] + n.beta[i];
        }
    }
}

/// `√(2/π)`.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;

/// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
#[inline]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)).tanh())
}

/// Softmax of one row, in place (max subtracted first, as the reference does).
pub fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
}

/// Multi-head self-attention over one sequence, no mask: for each head `h` (columns `16h .. 16h + 16`
/// of `q`, `k`, `v`, `out`, all `64 × 64`), `out_h = softmax(q_h k_hᵀ / √16) v_h`. Written as two matrix
/// products per head through `mm` (the signature of [`gemm`]), on contiguous copies of the head's
/// columns: `scores = q_h · k_hᵀ` (64×16 · 16×64) and `out_h = softmax(scores / 4) · v_h` (64×64 · 64×16).
/// Each score and output is summed in the reference's order, from 0, so the result is the same.
pub fn attention(q: &[f32], k: &[f32], v: &[f32], out: &mut [f32], mm: impl Fn(usize, usize, usize, &[f32], &[f32], Option<&[f32]>, &mut [f32])) {
    let (s, width, hd) = (SEQ, DIM, DIM / HEADS);
    let scale = 1.0 / (hd as f32).sqrt();
    let (mut qh, mut kt, mut vh, mut oh) = ([0.0f32; SEQ * DIM / HEADS], [0.0f32; DIM / HEADS * SEQ], [0.0f32; SEQ * DIM / HEADS], [0.0f32; SEQ * DIM / HEADS]);
    let mut scores = vec![0.0f32; s * s];
    for h in 0..HEADS {
        let off = h * hd;
        for i in 0..s {
            for t in 0..hd {
                qh[i * hd + t] = q[i * width + off + t];
                kt[t * s + i] = k[i * width + off + t];
                vh[i * hd + t] = v[i * width + off + t];
            }
        }
        mm(s, hd, s, &qh, &kt, None, &mut scores);
        for row in scores.chunks_exact_mut(s) {
            for x in row.iter_mut() {
                *x *= scale;
            }
            softmax(row);
        }
        mm(s, s, hd, &scores, &vh, None, &mut oh);
        for i in 0..s {
            out[i * width + off..][..hd].copy_from_slice(&oh[i * hd..][..hd]);
        }
    }
}
