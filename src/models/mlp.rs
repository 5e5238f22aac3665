//! MLP Sprint: `784 → Linear 128 → ReLU → Linear 64 → ReLU → Linear 10`.
//!
//! Tensors (PyTorch naming and `[out, in]` layout): `fc1.weight [128, 784]`, `fc1.bias [128]`,
//! `fc2.weight [64, 128]`, `fc2.bias [64]`, `fc3.weight [10, 64]`, `fc3.bias [10]`.
use super::{check_architecture, linear::Linear};
use crate::format::Package;
use crate::kernels::{Act, Kernels};
use crate::{check_len, Result};

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

    /// Builds the model, checking the architecture tag (if present) and every tensor's shape.
    pub fn from_package(p: &Package) -> Result<Self> {
        check_architecture(p, Self::ARCHITECTURE)?;
        let [h1, h2] = Self::HIDDEN;
        Ok(Mlp {
            fc1: Linear::from_package(p, "fc1", Self::INPUT, h1)?,
            fc2: Linear::from_package(p, "fc2", h1, h2)?,
            fc3: Linear::from_package(p, "fc3", h2, Self::CLASSES)?,
        })
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

    /// 2 × multiply-adds of the three GEMMs for one image: 2·(784·128 + 128·64 + 64·10) = 218,368.
    /// Bias adds and ReLUs are not counted.
    pub fn flops_per_inference(&self) -> u64 {
        self.fc1.flops(1) + self.fc2.flops(1) + self.fc3.flops(1)
    }
}
