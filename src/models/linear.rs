//! A fully connected layer as the models hold it: loaded once from the file's `[out, in]` layout and
//! transposed into the kernels' `k×n` (`in×out`) layout and packed, so every forward pass is one
//! `k.linear` call.
use crate::format::{Dtype, Package};
use crate::kernels::{quant::Int8Weights, Act, DenseWeights, GemmShape, Kernels};
use crate::{Error, Result};

/// The transpose of a row-major `rows×cols` matrix.
pub fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = m[r * cols + c];
        }
    }
    t
}

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
    ///
    /// A weight stored as `I8` is a quantized layer: it needs `<prefix>.weight_scale` (`[out]`, one
    /// scale per output channel; value = code × scale) and may carry `<prefix>.input_scale` (`[1]`,
    /// the calibrated activation scale), which gives the layer its INT8 form with exactly the stored
    /// codes. Any other dtype (F16, BF16, ...) is used as its `f32` value.
    pub fn from_package(p: &Package, prefix: &str, in_dim: usize, out_dim: usize) -> Result<Self> {
        let wname = format!("{prefix}.weight");
        let w = p.tensor(&wname, &[out_dim, in_dim])?;
        let bias = p.tensor(&format!("{prefix}.bias"), &[out_dim])?.to_vec();
        let int8 = p.get(&wname).is_some_and(|t| t.dtype == Dtype::I8);
        let scales = if int8 { Some(p.tensor(&format!("{prefix}.weight_scale"), &[out_dim])?) } else { None };
        if let Some(s) = scales {
            if let Some(i) = s.iter().position(|&v| !(v > 0.0)) {
                return Err(Error::format("model package", format!("{prefix}.weight_scale[{i}] = {} must be positive", s[i])));
            }
        }
        // The only transpose in the product: files follow PyTorch/candle (`[out, in]`), kernels want
        // `B` as `k×n`. Doing it here keeps every forward pass free of layout work.
        let values = transpose(w, out_dim, in_dim);
        // For an INT8 layer `values` are the codes; the dense copy every table can read is code × scale.
        let kn = match scales {
            Some(s) => values.iter().enumerate().map(|(i, &c)| c * s[i % out_dim]).collect(),
            None => values.clone(),
        };
        let mut weight = DenseWeights::new(in_dim, out_dim, kn);
        // Looked up only for an INT8 layer: an `input_scale` beside f32 weights is not consumed, so
        // the package is refused for it (see `Model::from_package`).
        if let Some((s, t)) = scales.and_then(|s| p.get(&format!("{prefix}.input_scale")).map(|t| (s, t))) {
            let act = t.data.first().copied().filter(|v| t.data.len() == 1 && *v > 0.0).ok_or_else(|| {
                Error::format("model package", format!("{prefix}.input_scale must hold one positive value, has {:?}", t.data))
            })?;
            weight.int8 = Some(Int8Weights::from_codes(in_dim, out_dim, values.iter().map(|&c| c as i8).collect(), s.to_vec(), act));
        }
        Ok(Linear { in_dim, out_dim, weight, bias })
    }

    /// Writes the layer into `p` under `prefix` in the file layout [`Linear::from_package`] reads: an
    /// INT8 layer as `I8` codes with `weight_scale` and `input_scale`, any other in the float type the
    /// package already stores it in when its values fit (the reference's fp16), else `F32`
    /// ([`Package::replace_values`]).
    pub fn store(&self, p: &mut Package, prefix: &str) -> Result<()> {
        let (k, n) = (self.in_dim, self.out_dim);
        p.replace_values(format!("{prefix}.bias"), vec![n], self.bias.clone())?;
        for suffix in ["weight_scale", "input_scale"] {
            p.remove(&format!("{prefix}.{suffix}"));
        }
        match &self.weight.int8 {
            Some(q) => {
                let codes: Vec<f32> = q.codes.iter().map(|&c| c as f32).collect();
                p.insert_typed(format!("{prefix}.weight"), vec![n, k], Dtype::I8, transpose(&codes, k, n))?;
                p.insert(format!("{prefix}.weight_scale"), vec![n], q.w_scales.clone())?;
                p.insert(format!("{prefix}.input_scale"), vec![1], vec![q.act_scale])
            }
            None => p.replace_values(format!("{prefix}.weight"), vec![n, k], transpose(&self.weight.kn, k, n)),
        }
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
