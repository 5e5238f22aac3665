//! MLP Sprint in candle: `784 → 128 → ReLU → 64 → ReLU → 10`, tensors `fc1`, `fc2`, `fc3`.
use super::{Linear, Net, Params};
use anyhow::Result;
use candle_core::{Device, Tensor};

/// The trainable MLP.
pub struct Mlp {
    params: Params,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl Mlp {
    /// Fresh parameters drawn from `seed`.
    pub fn new(seed: u64, device: &Device) -> Result<Self> {
        let mut params = Params::new(seed, device);
        let fc1 = params.linear("fc1", 784, 128)?;
        let fc2 = params.linear("fc2", 128, 64)?;
        let fc3 = params.linear("fc3", 64, 10)?;
        Ok(Mlp { params, fc1, fc2, fc3 })
    }
}

impl Net for Mlp {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.fc1.forward(x)?.relu()?;
        let h = self.fc2.forward(&h)?.relu()?;
        self.fc3.forward(&h)
    }
    fn params(&self) -> &Params {
        &self.params
    }
}
