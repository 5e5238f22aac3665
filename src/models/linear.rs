//! A fully connected layer as the models hold it: loaded once from the file's `[out, in]` layout and
//! transposed into the kernels' `k×n` (`in×out`) layout and packed, so every forward pass is one
//! `k.linear` call.
use crate::format::Package;
use crate::kernels::{Act, DenseWeights, GemmShape, Kernels};
use crate::Result;

/// `y = act(x·W + b)` with `W` stored `in×out` (input-major), ready for [`Kernels::linear`].
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    /// Input width (`k` of the GEMM).
    pub in_dim: usize,
    /// Output width (`n` of the GEMM).
    pub out_dim: usize,
    /// `in_dim × out_dim`, row-major (the transpose of the file's `<prefix>.weight` `[out, in]`), with
    /// its packed copy for the fast kernels; both made once here.
    pub weight: DenseWeights,
    /// `<prefix>.bias`, `out_dim` values.
    pub bias: Vec<f32>,
}

impl Linear {
    /// Loads `<prefix>.weight` (`[out, in]`) and `<prefix>.bias` (`[out]`), checking both shapes.
    pub fn from_package(p: &Package, prefix: &str, in_dim: usize, out_dim: usize) -> Result<Self> {
        let w = p.tensor(&format!("{prefix}.weight"), &[out_dim, in_dim])?;
        let bias = p.tensor(&format!("{prefix}.bias"), &[out_dim])?.to_vec();
        // The only transpose in the product: files follow PyTorch/candle (`[out, in]`), kernels want
        // `B` as `k×n`. Doing it here keeps every forward pass free of layout work.
        let mut weight = vec![0.0; in_dim * out_dim];
        for o in 0..out_dim {
            for i in 0..in_dim {
                weight[i * out_dim + o] = w[o * in_dim + i];
            }
        }
        Ok(Linear { in_dim, out_dim, weight: DenseWeights::new(in_dim, out_dim, weight), bias })
    }

    /// Applies the layer to `rows` rows of `x` (`rows × in_dim`), writing `rows × out_dim` into `out`.
    /// Callers size the buffers; the models check input lengths before any layer runs.
    pub fn forward(&self, k: &Kernels, x: &[f32], rows: usize, act: Act, out: &mut [f32]) {
        (k.linear)(rows, x, &self.weight, Some(&self.bias), act, out);
    }

    /// Like [`Linear::forward`] but allocates the output.
    pub fn apply(&self, k: &Kernels, x: &[f32], rows: usize, act: Act) -> Vec<f32> {
        let mut out = vec![0.0; rows * self.out_dim];
        self.forward(k, x, rows, act, &mut out);
        out
    }

    /// Weights plus biases.
    pub fn param_count(&self) -> usize {
        self.weight.kn.len() + self.bias.len()
    }

    /// Multiply-adds ×2 for `rows` rows (the bias add and activation are not counted).
    pub fn flops(&self, rows: usize) -> u64 {
        GemmShape { m: rows, k: self.in_dim, n: self.out_dim }.flops()
    }
}
