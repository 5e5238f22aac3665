//! Transformer Decathlon in candle, written op by op to mirror `tinymlperf::models::transformer`:
//! token + positional embedding, 2 pre-LN blocks (4-head attention, GELU-tanh FFN 64→256→64),
//! final LayerNorm, mean over positions, Linear 4. Tensor names match the product's.
use super::{LayerNorm, Linear, Net, Params};
use anyhow::Result;
use candle_core::{DType, Device, Tensor, D};

const VOCAB: usize = 16;
const SEQ: usize = 64;
const DIM: usize = 64;
const HEADS: usize = 4;
const HEAD_DIM: usize = DIM / HEADS;
const FFN: usize = 256;
const LAYERS: usize = 2;
const CLASSES: usize = 4;
/// Same epsilon as `tinymlperf::models::Transformer::LN_EPS`.
const LN_EPS: f64 = 1e-5;
/// Embedding init scale: unit normal, as PyTorch's `nn.Embedding`. GPT-2's 0.02 suits widths in the
/// thousands; at width 64 behind a pre-LayerNorm it leaves positions nearly indistinguishable at
/// the start, and the model sat at chance on this order-dependent task for the first epochs.
const EMB_SD: f32 = 1.0;

struct Block {
    ln1: LayerNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ln2: LayerNorm,
    fc1: Linear,
    fc2: Linear,
}

impl Block {
    /// `x` is `(batch·SEQ, DIM)`.
    fn forward(&self, x: &Tensor, batch: usize) -> Result<Tensor> {
        let h = self.ln1.forward(x)?;
        // (b·s, d) → (b, s, heads, hd) → (b, heads, s, hd)
        let split = |t: Tensor| -> Result<Tensor> { Ok(t.reshape((batch, SEQ, HEADS, HEAD_DIM))?.transpose(1, 2)?.contiguous()?) };
        let q = split(self.q.forward(&h)?)?;
        let k = split(self.k.forward(&h)?)?;
        let v = split(self.v.forward(&h)?)?;
        let scores = (q.matmul(&k.t()?.contiguous()?)? / (HEAD_DIM as f64).sqrt())?;
        let att = candle_nn::ops::softmax(&scores, D::Minus1)?;
        let ctx = att.matmul(&v)?.transpose(1, 2)?.contiguous()?.reshape((batch * SEQ, DIM))?;
        let x = (x + self.o.forward(&ctx)?)?;
        let h = self.ln2.forward(&x)?;
        let f = self.fc2.forward(&self.fc1.forward(&h)?.gelu()?)?;
        Ok((x + f)?)
    }
}

/// The trainable transformer.
pub struct Transformer {
    params: Params,
    tok_emb: Tensor,
    pos_emb: Tensor,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
    head: Linear,
}

impl Transformer {
    /// Fresh parameters drawn from `seed`.
    pub fn new(seed: u64, device: &Device) -> Result<Self> {
        let mut p = Params::new(seed, device);
        let tok_emb = p.normal("tok_emb.weight", &[VOCAB, DIM], EMB_SD)?;
        let pos_emb = p.normal("pos_emb.weight", &[SEQ, DIM], EMB_SD)?;
        let mut blocks = Vec::new();
        for i in 0..LAYERS {
            let pre = format!("blocks.{i}");
            blocks.push(Block {
                ln1: p.layer_norm(&format!("{pre}.ln1"), DIM, LN_EPS)?,
                q: p.linear(&format!("{pre}.attn.q"), DIM, DIM)?,
                k: p.linear(&format!("{pre}.attn.k"), DIM, DIM)?,
                v: p.linear(&format!("{pre}.attn.v"), DIM, DIM)?,
                o: p.linear(&format!("{pre}.attn.o"), DIM, DIM)?,
                ln2: p.layer_norm(&format!("{pre}.ln2"), DIM, LN_EPS)?,
                fc1: p.linear(&format!("{pre}.ffn.fc1"), DIM, FFN)?,
                fc2: p.linear(&format!("{pre}.ffn.fc2"), FFN, DIM)?,
            });
        }
        let ln_f = p.layer_norm("ln_f", DIM, LN_EPS)?;
        let head = p.linear("head", DIM, CLASSES)?;
        Ok(Transformer { params: p, tok_emb, pos_emb, blocks, ln_f, head })
    }
}

impl Net for Transformer {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let batch = ids.dim(0)?;
        let flat = ids.to_dtype(DType::U32)?.flatten_all()?;
        let x = self.tok_emb.embedding(&flat)?.reshape((batch, SEQ, DIM))?;
        let mut x = x.broadcast_add(&self.pos_emb)?.reshape((batch * SEQ, DIM))?;
        for b in &self.blocks {
            x = b.forward(&x, batch)?;
        }
        let h = self.ln_f.forward(&x)?.reshape((batch, SEQ, DIM))?;
        self.head.forward(&h.mean(1)?)
    }
    fn params(&self) -> &Params {
        &self.params
    }
}
