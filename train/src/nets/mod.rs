//! The three event models mirrored in candle, for training only.
//!
//! Each mirror holds its parameters under the product's tensor names and in the product's file layout
//! (Linear weights `[out, in]`, convolutions `[Cout, Cin, 3, 3]`), so exporting is a plain copy and the
//! product's loader (`tinymlperf::models`) is the single place that knows about kernel layouts.
//! Parameters are initialized from our own seeded SplitMix64 stream, not candle's RNG, so a run is
//! fully determined by `--seed` and the same on every machine.
pub mod cnn;
pub mod mlp;
pub mod transformer;

use anyhow::Result;
use candle_core::{DType, Device, Tensor, Var, D};
use tinymlperf::data::rng::SplitMix64;
use tinymlperf::format::Package;

/// A model being trained: logits from a batch of inputs, and its named parameters.
pub trait Net {
    /// Logits `(batch, classes)`. `x` is `(batch, 784)` pixels, or `(batch, 64)` `u32` token ids.
    fn forward(&self, x: &Tensor) -> Result<Tensor>;
    /// The parameters, by product tensor name.
    fn params(&self) -> &Params;
}

/// Named trainable tensors, in creation order, plus the PRNG that initializes them.
pub struct Params {
    entries: Vec<(String, Var)>,
    rng: SplitMix64,
    device: Device,
}

impl Params {
    /// An empty set whose initial values are drawn from `seed`.
    pub fn new(seed: u64, device: &Device) -> Self {
        Params { entries: Vec::new(), rng: SplitMix64::new(seed), device: device.clone() }
    }

    fn add(&mut self, name: String, shape: &[usize], values: Vec<f32>) -> Result<Tensor> {
        let var = Var::from_tensor(&Tensor::from_vec(values, shape, &self.device)?)?;
        let t = var.as_tensor().clone();
        self.entries.push((name, var));
        Ok(t)
    }

    /// `U(-bound, bound)` values, as PyTorch's default Linear/Conv init (bound = 1/√fan_in).
    pub fn uniform(&mut self, name: impl Into<String>, shape: &[usize], bound: f32) -> Result<Tensor> {
        let n = shape.iter().product();
        let v = (0..n).map(|_| self.rng.range(-bound, bound)).collect();
        self.add(name.into(), shape, v)
    }

    /// `N(0, sd²)` values (embeddings).
    pub fn normal(&mut self, name: impl Into<String>, shape: &[usize], sd: f32) -> Result<Tensor> {
        let n = shape.iter().product();
        let v = (0..n).map(|_| sd * self.rng.normal()).collect();
        self.add(name.into(), shape, v)
    }

    /// A constant tensor (LayerNorm gain 1 and shift 0).
    pub fn constant(&mut self, name: impl Into<String>, shape: &[usize], value: f32) -> Result<Tensor> {
        let n = shape.iter().product();
        self.add(name.into(), shape, vec![value; n])
    }

    /// A Linear layer `<prefix>.weight [out, in]` and `<prefix>.bias [out]`.
    pub fn linear(&mut self, prefix: &str, in_dim: usize, out_dim: usize) -> Result<Linear> {
        let bound = 1.0 / (in_dim as f32).sqrt();
        let w = self.uniform(format!("{prefix}.weight"), &[out_dim, in_dim], bound)?;
        let b = self.uniform(format!("{prefix}.bias"), &[out_dim], bound)?;
        Ok(Linear { w, b })
    }

    /// A LayerNorm `<prefix>.weight` (ones) and `<prefix>.bias` (zeros).
    pub fn layer_norm(&mut self, prefix: &str, dim: usize, eps: f64) -> Result<LayerNorm> {
        let gamma = self.constant(format!("{prefix}.weight"), &[dim], 1.0)?;
        let beta = self.constant(format!("{prefix}.bias"), &[dim], 0.0)?;
        Ok(LayerNorm { gamma, beta, eps })
    }

    /// Every variable, for the optimizer.
    pub fn vars(&self) -> Vec<Var> {
        self.entries.iter().map(|(_, v)| v.clone()).collect()
    }

    /// Number of scalar parameters.
    pub fn count(&self) -> usize {
        self.entries.iter().map(|(_, v)| v.elem_count()).sum()
    }

    /// Overwrites every parameter with the same-named tensor of `p` (shapes checked by the package).
    pub fn load(&self, p: &Package) -> Result<()> {
        for (name, var) in &self.entries {
            let dims = var.as_tensor().dims().to_vec();
            let data = p.tensor(name, &dims)?.to_vec();
            var.set(&Tensor::from_vec(data, dims, &self.device)?)?;
        }
        Ok(())
    }

    /// The variable named `name`.
    pub fn var(&self, name: &str) -> Option<Var> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    /// Copies the current values into a product package (no metadata yet).
    pub fn to_package(&self) -> Result<Package> {
        let mut p = Package::new();
        for (name, var) in &self.entries {
            let t = var.as_tensor();
            let data = t.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?;
            p.insert(name.clone(), t.dims().to_vec(), data)?;
        }
        Ok(p)
    }
}

/// `y = x·Wᵀ + b` over the last dimension of a 2-D input.
pub struct Linear {
    w: Tensor,
    b: Tensor,
}

impl Linear {
    /// Applies the layer to `(rows, in)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.w.t()?)?.broadcast_add(&self.b)?)
    }
}

/// LayerNorm over the last dimension, written with primitive ops (all differentiable), using the
/// biased variance like the product's kernel and PyTorch.
pub struct LayerNorm {
    gamma: Tensor,
    beta: Tensor,
    eps: f64,
}

impl LayerNorm {
    /// Normalizes each row of `(rows, dim)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
        let xn = xc.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        Ok(xn.broadcast_mul(&self.gamma)?.broadcast_add(&self.beta)?)
    }
}
