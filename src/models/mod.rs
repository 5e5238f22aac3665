//! The three event models. Each `forward(&Kernels, ...)` is pure: no clock, no JS, and every op of
//! substance goes through a slot of the kernel table, so swapping kernels is the only way to change
//! speed and the scalar table defines the reference logits.
//!
//! Weights come from a validated [`Package`]. Files store Linear weights `[out, in]` (PyTorch/candle
//! convention); [`Linear::from_package`] transposes them once into the kernels' `k×n` layout. Tensor
//! names are listed in each model's module docs ([`mlp`], [`cnn`], [`transformer`]).
//!
//! FLOPs are 2 × multiply-adds of the GEMMs, convolutions (in-bounds taps only) and attention
//! products; elementwise work (bias, activations, pooling, normalization, softmax) is not counted.
pub mod cnn;
pub mod dataset;
pub mod linear;
pub mod mlp;
pub mod optimize;
pub mod optimized;
pub mod transformer;

pub use cnn::Cnn;
pub use dataset::{accuracy, count_correct, Dataset, OwnedInput, EVAL_BATCH};
pub use linear::Linear;
pub use mlp::Mlp;
pub use transformer::Transformer;

use crate::format::{Package, META_ARCHITECTURE};
use crate::kernels::Kernels;
use crate::{Error, Result};

/// The architecture strings this build can load, in event order.
pub const ARCHITECTURES: [&str; 3] = [Mlp::ARCHITECTURE, Cnn::ARCHITECTURE, Transformer::ARCHITECTURE];

/// One model's input batch, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Images, `batch × 784` values in `[0, 1]` (MLP and CNN).
    Pixels(&'a [f32]),
    /// Token ids, `batch × 64` (Transformer).
    Tokens(&'a [u32]),
}

/// Any of the event models.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// MLP Sprint.
    Mlp(Mlp),
    /// CNN Marathon.
    Cnn(Cnn),
    /// Transformer Decathlon.
    Transformer(Transformer),
}

impl Model {
    /// Builds the model named by the package's `architecture` metadata. A package holds only what
    /// the model runs: a tensor the architecture does not consume is refused, and the error lists
    /// every unknown name and the names the model reads (so unused tensors can never count towards
    /// quantization, pruning, stored bytes or a logit budget).
    pub fn from_package(p: &Package) -> Result<Self> {
        let (model, read) = crate::format::track_reads(|| Self::build(p));
        let model = model?;
        let unknown: Vec<&str> = p.names().filter(|n| !read.contains(*n)).collect();
        if !unknown.is_empty() {
            let expected: Vec<&str> = read.iter().map(String::as_str).filter(|n| p.get(n).is_some()).collect();
            return Err(Error::format(
                "model package",
                format!(
                    "the package holds {} tensor(s) that {} does not use: {}. A package may hold only the tensors the model runs; this model reads: {}",
                    unknown.len(),
                    model.variant(),
                    unknown.join(", "),
                    expected.join(", ")
                ),
            ));
        }
        Ok(model)
    }

    fn build(p: &Package) -> Result<Self> {
        let arch = p.require_meta(META_ARCHITECTURE)?;
        match arch {
            a if a.starts_with("mlp:") => Mlp::from_package(p).map(Model::Mlp),
            Cnn::ARCHITECTURE => Cnn::from_package(p).map(Model::Cnn),
            Transformer::ARCHITECTURE => Transformer::from_package(p).map(Model::Transformer),
            other => Err(Error::Unknown { kind: "architecture", name: other.into(), known: ARCHITECTURES.join(", ") }),
        }
    }

    /// Logits, `batch × classes()`. The input kind must match the model (pixels for MLP and CNN,
    /// tokens for the Transformer); a mismatch is an [`Error::Format`].
    pub fn forward(&self, k: &Kernels, input: Input<'_>, batch: usize) -> Result<Vec<f32>> {
        match (self, input) {
            (Model::Mlp(m), Input::Pixels(x)) => m.forward(k, x, batch),
            (Model::Cnn(m), Input::Pixels(x)) => m.forward(k, x, batch),
            (Model::Transformer(m), Input::Tokens(t)) => m.forward(k, t, batch),
            (m, Input::Pixels(_)) => Err(Error::format("model input", format!("{} takes token ids, got pixels", m.architecture()))),
            (m, Input::Tokens(_)) => Err(Error::format("model input", format!("{} takes pixels, got token ids", m.architecture()))),
        }
    }

    /// The dense layers by tensor prefix, for quantization and pruning ([`optimize`]).
    pub fn linears_mut(&mut self) -> Vec<(String, &mut Linear)> {
        match self {
            Model::Mlp(m) => m.linears_mut().into_iter().map(|(n, l)| (n.to_string(), l)).collect(),
            Model::Cnn(m) => m.linears_mut().into_iter().map(|(n, l)| (n.to_string(), l)).collect(),
            Model::Transformer(m) => m.linears_mut(),
        }
    }

    /// The convolutions by tensor prefix (the CNN's; none elsewhere), for INT8 quantization.
    pub fn convs_mut(&mut self) -> Vec<(String, &mut cnn::Conv)> {
        match self {
            Model::Cnn(m) => m.convs_mut().into_iter().map(|(n, c)| (n.to_string(), c)).collect(),
            _ => Vec::new(),
        }
    }

    /// 2 × multiply-adds per inference of each dense layer and convolution, by tensor prefix (the
    /// names [`Self::linears_mut`] and [`Self::convs_mut`] use).
    pub fn layer_flops(&self) -> Vec<(String, u64)> {
        match self {
            Model::Mlp(m) => m.layer_flops(),
            Model::Cnn(m) => m.layer_flops(),
            Model::Transformer(m) => m.layer_flops(),
        }
    }

    /// Layers with an INT8 form — dense layers and convolutions, by tensor prefix, in forward order
    /// of each kind (convolutions first): what the INT8 table runs in INT8.
    pub fn int8_layers(&self) -> Vec<String> {
        let mut m = self.clone();
        let mut out: Vec<String> = m.convs_mut().into_iter().filter(|(_, c)| c.int8.is_some()).map(|(n, _)| n).collect();
        out.extend(m.linears_mut().into_iter().filter(|(_, l)| l.weight.int8.is_some()).map(|(n, _)| n));
        out
    }

    /// The canonical architecture string.
    pub fn architecture(&self) -> &'static str {
        match self {
            Model::Mlp(_) => Mlp::ARCHITECTURE,
            Model::Cnn(_) => Cnn::ARCHITECTURE,
            Model::Transformer(_) => Transformer::ARCHITECTURE,
        }
    }

    /// The exact architecture string: the event's, or a smaller MLP variant's
    /// (`mlp:784-64-32-10/relu`).
    pub fn variant(&self) -> String {
        match self {
            Model::Mlp(m) => m.variant(),
            other => other.architecture().to_string(),
        }
    }

    /// Writes every dense layer and convolution into `p` (see [`Linear::store`], [`cnn::Conv::store`]);
    /// other tensors (norms, embeddings) are left as they are in `p`, which starts as the model's own
    /// package.
    pub fn store_linears(&mut self, p: &mut Package) -> Result<()> {
        for (name, l) in self.linears_mut() {
            l.store(p, &name)?;
        }
        for (name, c) in self.convs_mut() {
            c.store(p, &name)?;
        }
        Ok(())
    }

    /// Peak bytes of live `f32` activations in one forward pass of `batch` samples, from the
    /// model's buffer plan: the largest set of buffers alive at once (a layer's input and output, the
    /// transformer's residual stream with Q, K, V and the attention output, or its FFN hidden layer).
    /// Scratch the kernels keep (packing panels, quantized copies) is not counted.
    pub fn peak_activation_bytes(&self, batch: usize) -> u64 {
        let floats = match self {
            Model::Mlp(m) => {
                let [(_, a), (_, b), (_, c)] = m.linears();
                [a.in_dim + a.out_dim, b.in_dim + b.out_dim, c.in_dim + c.out_dim].into_iter().max().unwrap_or(0)
            }
            Model::Cnn(_) => {
                let [c1, c2] = Cnn::CHANNELS;
                let (s, s2, s4) = (Cnn::SIDE * Cnn::SIDE, (Cnn::SIDE / 2).pow(2), (Cnn::SIDE / 4).pow(2));
                [s + c1 * s, c1 * s + c1 * s2, c1 * s2 + c2 * s2, c2 * s2 + c2 * s4, c2 * s4 + Cnn::CLASSES].into_iter().max().unwrap_or(0)
            }
            Model::Transformer(_) => {
                let (s, d) = (Transformer::SEQ, Transformer::DIM);
                // Attention: x, LN(x), Q, K, V, context, one head's scores; FFN: x, LN(x), hidden, out.
                (6 * s * d + s * s).max(3 * s * d + s * Transformer::FFN)
            }
        };
        (floats * batch * 4) as u64
    }

    /// Number of output classes.
    pub fn classes(&self) -> usize {
        match self {
            Model::Mlp(_) => Mlp::CLASSES,
            Model::Cnn(_) => Cnn::CLASSES,
            Model::Transformer(_) => Transformer::CLASSES,
        }
    }

    /// Input values (pixels or tokens) per sample.
    pub fn input_len(&self) -> usize {
        match self {
            Model::Mlp(_) => Mlp::INPUT,
            Model::Cnn(_) => Cnn::INPUT,
            Model::Transformer(_) => Transformer::SEQ,
        }
    }

    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        match self {
            Model::Mlp(m) => m.param_count(),
            Model::Cnn(m) => m.param_count(),
            Model::Transformer(m) => m.param_count(),
        }
    }

    /// FLOPs (2 × multiply-adds) for one sample; see each model's `flops_per_inference`.
    pub fn flops_per_inference(&self) -> u64 {
        match self {
            Model::Mlp(m) => m.flops_per_inference(),
            Model::Cnn(m) => m.flops_per_inference(),
            Model::Transformer(m) => m.flops_per_inference(),
        }
    }
}

/// The dense layer named `want` among `layers` (as [`Model::linears_mut`] lists them); an unknown
/// name is an [`Error::Unknown`] that lists the model's layers.
pub fn find_layer<'l>(layers: &'l mut [(String, &mut Linear)], want: &str) -> Result<&'l mut Linear> {
    let known = || layers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
    match layers.iter().position(|(n, _)| n == want) {
        Some(i) => Ok(&mut *layers[i].1),
        None => Err(Error::Unknown { kind: "layer", name: want.into(), known: known() }),
    }
}

/// Bytes of the model's weights as an entry stores them: 4 per `f32` parameter, and for an INT8
/// layer or convolution 1 per weight plus 4 per scale (per-channel weight scales and the input scale).
pub fn weight_bytes(model: &Model) -> usize {
    let mut m = model.clone();
    let mut bytes = model.param_count() * 4;
    for (_, l) in m.linears_mut() {
        if let Some(q) = &l.weight.int8 {
            bytes = bytes - q.codes.len() * 4 + q.codes.len() + (q.w_scales.len() + 1) * 4;
        }
    }
    for (_, c) in m.convs_mut() {
        if let Some(q) = &c.int8 {
            bytes = bytes - q.codes.len() * 4 + q.codes.len() + (q.w_scales.len() + 1) * 4;
        }
    }
    bytes
}

/// Index of the largest value; the first one on ties, and NaN never wins (so the answer is the same
/// whatever the kernel order). An empty row gives 0.
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] || row[best].is_nan() && !v.is_nan() {
            best = i;
        }
    }
    best
}

/// [`argmax`] of each `classes`-wide row of `logits`.
pub fn argmax_rows(logits: &[f32], classes: usize) -> Vec<usize> {
    if classes == 0 {
        return Vec::new();
    }
    logits.chunks_exact(classes).map(argmax).collect()
}

/// A package may omit the architecture tag (hand-built test packages do), but if it has one it must
/// name the model being loaded: that turns "CNN weights fed to the MLP" into a clear message instead
/// of a confusing missing-tensor error.
pub(crate) fn check_architecture(p: &Package, want: &'static str) -> Result<()> {
    match p.meta(META_ARCHITECTURE) {
        None => Ok(()),
        Some(a) if a == want => Ok(()),
        Some(a) => Err(Error::format("model package", format!("architecture is '{a}', but this loader builds '{want}'"))),
    }
}
