//! Transformer Decathlon: a 2-block pre-LayerNorm encoder over 64 tokens from a 16-symbol vocabulary,
//! classifying each sequence into 4 classes.
//!
//! ```text
//! x = tok_emb[ids] + pos_emb                        64×64
//! for each block:
//!     x = x + o(MHSA(q(LN1(x)), k(LN1(x)), v(LN1(x))))   4 heads of 16, no mask
//!     x = x + fc2(GELU_tanh(fc1(LN2(x))))           64 → 256 → 64
//! logits = head(mean_over_positions(LN_f(x)))       64 → 4
//! ```
//!
//! LayerNorm eps is [`Transformer::LN_EPS`]. Tensors (`[out, in]` for Linear weights):
//! `tok_emb.weight [16, 64]`, `pos_emb.weight [64, 64]`; for `i` in 0..2:
//! `blocks.{i}.ln1.weight/bias [64]`, `blocks.{i}.attn.{q,k,v,o}.weight [64, 64]` and `.bias [64]`,
//! `blocks.{i}.ln2.weight/bias [64]`, `blocks.{i}.ffn.fc1.weight [256, 64]`, `.fc1.bias [256]`,
//! `blocks.{i}.ffn.fc2.weight [64, 256]`, `.fc2.bias [64]`; then `ln_f.weight/bias [64]`,
//! `head.weight [4, 64]`, `head.bias [4]`.
//!
//! Every op runs through a kernel slot except the residual and positional additions, which are plain
//! elementwise adds (there is no `add` slot: it is memory-bound and negligible next to the GEMMs).
use super::{check_architecture, linear::Linear};
use crate::format::Package;
use crate::kernels::{Act, AttnShape, Kernels};
use crate::kernels::scratch::with_scratch;
use crate::{check_len, Error, Result};
use std::cell::RefCell;

/// LayerNorm gain and shift.
#[derive(Debug, Clone, PartialEq)]
struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Norm {
    fn from_package(p: &Package, prefix: &str, dim: usize) -> Result<Self> {
        Ok(Norm { gamma: p.tensor(&format!("{prefix}.weight"), &[dim])?.to_vec(), beta: p.tensor(&format!("{prefix}.bias"), &[dim])?.to_vec() })
    }

    fn apply(&self, k: &Kernels, x: &[f32], rows: usize, out: &mut [f32]) {
        (k.layernorm)(x, rows, self.gamma.len(), &self.gamma, &self.beta, Transformer::LN_EPS, out);
    }
}

/// The forward pass's activation buffers, kept per thread between calls and grown to the largest
/// batch seen: every kernel overwrites its whole output, so no layer allocates or zero-fills
/// (at batch 16 that was 6.6 MB of memset per forward pass). Values never carry over: each buffer
/// is written before it is read.
#[derive(Default)]
struct Workspace {
    x: Vec<f32>,
    h: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    a: Vec<f32>,
    f: Vec<f32>,
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// The first `len` values of `buf`, growing it if needed.
fn sized(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    &mut buf[..len]
}

/// One pre-LN encoder block.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    ln1: Norm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ln2: Norm,
    fc1: Linear,
    fc2: Linear,
}

impl Block {
    fn from_package(p: &Package, i: usize) -> Result<Self> {
        let (d, f) = (Transformer::DIM, Transformer::FFN);
        let pre = format!("blocks.{i}");
        Ok(Block {
            ln1: Norm::from_package(p, &format!("{pre}.ln1"), d)?,
            q: Linear::from_package(p, &format!("{pre}.attn.q"), d, d)?,
            k: Linear::from_package(p, &format!("{pre}.attn.k"), d, d)?,
            v: Linear::from_package(p, &format!("{pre}.attn.v"), d, d)?,
            o: Linear::from_package(p, &format!("{pre}.attn.o"), d, d)?,
            ln2: Norm::from_package(p, &format!("{pre}.ln2"), d)?,
            fc1: Linear::from_package(p, &format!("{pre}.ffn.fc1"), d, f)?,
            fc2: Linear::from_package(p, &format!("{pre}.ffn.fc2"), f, d)?,
        })
    }

    /// Updates `x` (`batch·SEQ × DIM`) in place. The projections run over all `batch·SEQ` rows at once
    /// (one tall GEMM each); attention runs per sequence.
    fn forward(&self, kt: &Kernels, x: &mut [f32], batch: usize, ws: &mut Workspace) {
        let (s, d, f) = (Transformer::SEQ, Transformer::DIM, Transformer::FFN);
        let rows = batch * s;
        let Workspace { h, q, k, v, a, f: fb, .. } = ws;
        let (h, q, k, v, a) = (sized(h, rows * d), sized(q, rows * d), sized(k, rows * d), sized(v, rows * d), sized(a, rows * d));
        self.ln1.apply(kt, x, rows, h);
        self.q.forward(kt, h, rows, Act::None, q);
        self.k.forward(kt, h, rows, Act::None, k);
        self.v.forward(kt, h, rows, Act::None, v);
        let shape = AttnShape { seq: s, heads: Transformer::HEADS, head_dim: d / Transformer::HEADS };
        for b in 0..batch {
            let r = b * s * d..(b + 1) * s * d;
            (kt.attention)(&q[r.clone()], &k[r.clone()], &v[r.clone()], shape, &mut a[r]);
        }
        // `q` is free again: it takes the output projection, then the FFN's.
        self.o.forward(kt, a, rows, Act::None, q);
        add_in_place(x, q);
        self.ln2.apply(kt, x, rows, h);
        let hidden = sized(fb, rows * f);
        self.fc1.forward(kt, h, rows, Act::Gelu, hidden);
        self.fc2.forward(kt, hidden, rows, Act::None, q);
        add_in_place(x, q);
    }

    fn param_count(&self) -> usize {
        let norms = self.ln1.gamma.len() + self.ln1.beta.len() + self.ln2.gamma.len() + self.ln2.beta.len();
        norms + [&self.q, &self.k, &self.v, &self.o, &self.fc1, &self.fc2].iter().map(|l| l.param_count()).sum::<usize>()
    }

    /// Projections and FFN GEMMs plus the two attention products (`QKᵀ` and `softmax·V`), per sequence.
    fn flops_per_sequence(&self) -> u64 {
        let s = Transformer::SEQ;
        let gemms: u64 = [&self.q, &self.k, &self.v, &self.o, &self.fc1, &self.fc2].iter().map(|l| l.flops(s)).sum();
        // Per head: scores s×s×d multiply-adds and context s×s×d; over heads, d·heads = DIM.
        let attn = 2 * 2 * (s * s * Transformer::DIM) as u64;
        gemms + attn
    }
}

/// Elementwise `x += y` (residual and positional additions).
fn add_in_place(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// The Transformer Decathlon model.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformer {
    tok_emb: Vec<f32>,
    pos_emb: Vec<f32>,
    blocks: Vec<Block>,
    ln_f: Norm,
    head: Linear,
}

impl Transformer {
    /// Architecture string recorded in the package metadata.
    pub const ARCHITECTURE: &'static str =
        "transformer:vocab16/seq64/d64/heads4/ffn256/layers2/prenorm/gelu_tanh/ln_eps1e-5/meanpool/classes4";
    /// Vocabulary size; token ids must be below it.
    pub const VOCAB: usize = 16;
    /// Tokens per sequence.
    pub const SEQ: usize = 64;
    /// Model width.
    pub const DIM: usize = 64;
    /// Attention heads (each `DIM / HEADS` = 16 wide).
    pub const HEADS: usize = 4;
    /// FFN hidden width.
    pub const FFN: usize = 256;
    /// Encoder blocks.
    pub const LAYERS: usize = 2;
    /// Output classes.
    pub const CLASSES: usize = 4;
    /// LayerNorm epsilon (PyTorch's default).
    pub const LN_EPS: f32 = 1e-5;

    /// The dense layers by tensor prefix, for quantization and pruning (`models::optimize`).
    pub fn linears_mut(&mut self) -> Vec<(String, &mut Linear)> {
        let mut v = Vec::new();
        for (i, b) in self.blocks.iter_mut().enumerate() {
            for (name, l) in [("attn.q", &mut b.q), ("attn.k", &mut b.k), ("attn.v", &mut b.v), ("attn.o", &mut b.o), ("ffn.fc1", &mut b.fc1), ("ffn.fc2", &mut b.fc2)] {
                v.push((format!("blocks.{i}.{name}"), l));
            }
        }
        v.push(("head".to_string(), &mut self.head));
        v
    }

    /// Builds the model, checking the architecture tag (if present) and every tensor's shape.
    pub fn from_package(p: &Package) -> Result<Self> {
        check_architecture(p, Self::ARCHITECTURE)?;
        let d = Self::DIM;
        Ok(Transformer {
            tok_emb: p.tensor("tok_emb.weight", &[Self::VOCAB, d])?.to_vec(),
            pos_emb: p.tensor("pos_emb.weight", &[Self::SEQ, d])?.to_vec(),
            blocks: (0..Self::LAYERS).map(|i| Block::from_package(p, i)).collect::<Result<_>>()?,
            ln_f: Norm::from_package(p, "ln_f", d)?,
            head: Linear::from_package(p, "head", d, Self::CLASSES)?,
        })
    }

    /// Logits (`batch × 4`) for `batch` sequences of 64 token ids (`batch × 64`).
    ///
    /// Errors: wrong length → [`Error::Shape`]; a token id ≥ 16 → [`Error::Limit`] naming the sequence
    /// and position. Ids are checked here, not left to the embedding kernel, so a fast kernel that
    /// skips the check can never read out of bounds.
    pub fn forward(&self, k: &Kernels, tokens: &[u32], batch: usize) -> Result<Vec<f32>> {
        let (s, d) = (Self::SEQ, Self::DIM);
        check_len("transformer input (batch × 64 token ids)", tokens, batch * s)?;
        if let Some(i) = tokens.iter().position(|&t| t as usize >= Self::VOCAB) {
            return Err(Error::Limit {
                what: format!("token id at sequence {}, position {}", i / s, i % s),
                got: tokens[i] as u64,
                limit: Self::VOCAB as u64 - 1,
            });
        }
        with_scratch(&WORKSPACE, |ws| {
            let mut xb = std::mem::take(&mut ws.x);
            let x = sized(&mut xb, batch * s * d);
            (k.embed)(tokens, &self.tok_emb, d, x)?;
            for seq in x.chunks_exact_mut(s * d) {
                add_in_place(seq, &self.pos_emb);
            }
            for block in &self.blocks {
                block.forward(k, x, batch, ws);
            }
            let h = sized(&mut ws.h, batch * s * d);
            self.ln_f.apply(k, x, batch * s, h);
            ws.x = xb;
            let mut pooled = vec![0.0; batch * d];
            for (seq, out) in h.chunks_exact(s * d).zip(pooled.chunks_exact_mut(d)) {
                (k.mean_pool)(seq, s, d, out);
            }
            Ok(self.head.apply(k, &pooled, batch, Act::None))
        })
    }

    /// Number of parameters (105,476).
    pub fn param_count(&self) -> usize {
        self.tok_emb.len()
            + self.pos_emb.len()
            + self.blocks.iter().map(Block::param_count).sum::<usize>()
            + self.ln_f.gamma.len()
            + self.ln_f.beta.len()
            + self.head.param_count()
    }

    /// 2 × multiply-adds per sequence of each dense layer, by tensor prefix (the projections and the
    /// FFN over every position, the head once); attention's own products belong to no layer.
    pub fn layer_flops(&self) -> Vec<(String, u64)> {
        let s = Self::SEQ;
        let mut v = Vec::new();
        for (i, b) in self.blocks.iter().enumerate() {
            for (name, l) in [("attn.q", &b.q), ("attn.k", &b.k), ("attn.v", &b.v), ("attn.o", &b.o), ("ffn.fc1", &b.fc1), ("ffn.fc2", &b.fc2)] {
                v.push((format!("blocks.{i}.{name}"), l.flops(s)));
            }
        }
        v.push(("head".to_string(), self.head.flops(1)));
        v
    }

    /// 2 × multiply-adds for one sequence: per block the Q, K, V, O projections (4·64·64·64), the
    /// attention scores and context (2·64·64·64 over all heads) and the FFN (2·64·64·256), then the
    /// head (64·4): 2·7,340,288 = 14,680,576. Embedding, LayerNorm, softmax, GELU, residual adds and
    /// the mean are not counted.
    pub fn flops_per_inference(&self) -> u64 {
        self.blocks.iter().map(Block::flops_per_sequence).sum::<u64>() + self.head.flops(1)
    }
}
