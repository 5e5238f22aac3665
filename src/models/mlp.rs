//! MLP Sprint: `784 → Linear 128 → ReLU → Linear 64 → ReLU → Linear 10`.
//!
//! Tensors (PyTorch naming and `[out, in]` layout): `fc1.weight [128, 784]`, `fc1.bias [128]`,
//! `fc2.weight [64, 128]`, `fc2.bias [64]`, `fc3.weight [10, 64]`, `fc3.bias [10]`.
//!
//! Smaller (distilled) students of the same shape family load too: the hidden widths are read from
//! `fc1.weight` and `fc2.weight`, and the architecture tag then reads `mlp:784-<h1>-<h2>-10/relu`.
use super::linear::Linear;
use crate::format::{Package, META_ARCHITECTURE};
use crate::kernels::{Act, Kernels};
use crate::{check_len, Error, Result};

/// The MLP Sprint model with weights in kernel layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl Mlp {
    /// Architecture string recorded in the package metadata.
    pub const ARCHITECTURE: &'static str = "mlp:784-128-64-10/relu";
    /// Input values per sample (a flattened 28×28 image in `[0, 1]`).
    pub const INPUT: usize = 784;
    /// Hidden widths.
    pub const HIDDEN: [usize; 2] = [128, 64];
    /// Output classes.
    pub const CLASSES: usize = 10;

    /// Largest hidden width a variant may have (bounds what a hostile package can make us allocate).
    pub const MAX_HIDDEN: usize = 1024;

    /// Builds the model, reading the hidden widths from the weights and checking the architecture tag
    /// (if present) names exactly those widths, and every tensor's shape.
    pub fn from_package(p: &Package) -> Result<Self> {
        let width = |name: &str| -> Result<usize> {
            let t = p.get(name).ok_or_else(|| Error::format("model package", format!("missing tensor '{name}'")))?;
            match t.shape.first() {
                Some(&h) if (1..=Self::MAX_HIDDEN).contains(&h) && t.shape.len() == 2 => Ok(h),
                _ => Err(Error::format("model package", format!("{name} has shape {:?}; an MLP layer is [out, in] with out in 1..={}", t.shape, Self::MAX_HIDDEN))),
            }
        };
        let (h1, h2) = (width("fc1.weight")?, width("fc2.weight")?);
        let want = Self::variant_string(h1, h2);
        if let Some(a) = p.meta(META_ARCHITECTURE) {
            if a != want {
                return Err(Error::format("model package", format!("architecture is '{a}', but the weights make '{want}'")));
            }
        }
        Ok(Mlp {
            fc1: Linear::from_package(p, "fc1", Self::INPUT, h1)?,
            fc2: Linear::from_package(p, "fc2", h1, h2)?,
            fc3: Linear::from_package(p, "fc3", h2, Self::CLASSES)?,
        })
    }

    /// `mlp:784-<h1>-<h2>-10/relu`.
    pub fn variant_string(h1: usize, h2: usize) -> String {
        format!("mlp:{}-{h1}-{h2}-{}/relu", Self::INPUT, Self::CLASSES)
    }

    /// This model's architecture string (the event's, or a smaller variant's).
    pub fn variant(&self) -> String {
        Self::variant_string(self.fc1.out_dim, self.fc2.out_dim)
    }

    /// The layers in order, for writing packages.
    pub fn linears(&self) -> [(&'static str, &Linear); 3] {
        [("fc1", &self.fc1), ("fc2", &self.fc2), ("fc3", &self.fc3)]
    }

    /// The dense layers by tensor prefix, for quantization and pruning (`models::optimize`).
    pub fn linears_mut(&mut self) -> Vec<(&'static str, &mut Linear)> {
        vec![("fc1", &mut self.fc1), ("fc2", &mut self.fc2), ("fc3", &mut self.fc3)]
    }

    /// Logits (`batch × 10`) for `batch` images (`batch × 784`). ReLU is fused into the GEMM epilogue.
    pub fn forward(&self, k: &Kernels, input: &[f32], batch: usize) -> Result<Vec<f32>> {
        check_len("MLP input (batch × 784 pixels)", input, batch * Self::INPUT)?;
        let h1 = self.fc1.apply(k, input, batch, Act::Relu);
        let h2 = self.fc2.apply(k, &h1, batch, Act::Relu);
        Ok(self.fc3.apply(k, &h2, batch, Act::None))
    }

    /// Number of weights and biases (109,386).
    pub fn param_count(&self) -> usize {
        self.fc1.param_count() + self.fc2.param_count() + self.fc3.param_count()
    }

    /// 2 × multiply-adds per image of each dense layer, by tensor prefix.
    pub fn layer_flops(&self) -> Vec<(String, u64)> {
        self.linears().iter().map(|(n, l)| (n.to_string(), l.flops(1))).collect()
    }

    /// 2 × multiply-adds of the three GEMMs for one image: 2·(784·128 + 128·64 + 64·10) = 218,368.
    /// Bias adds and ReLUs are not counted.
    pub fn flops_per_inference(&self) -> u64 {
        self.fc1.flops(1) + self.fc2.flops(1) + self.fc3.flops(1)
    }
}
