//! CNN Marathon in candle: conv(1→8) → ReLU → pool → conv(8→16) → ReLU → pool → flatten → Linear 10.
//! Tensors `conv1`, `conv2` (`[Cout, Cin, 3, 3]`, exactly the product kernel's layout) and `fc`.
use super::{Linear, Net, Params};
use anyhow::Result;
use candle_core::{Device, Tensor};

/// The trainable CNN.
pub struct Cnn {
    params: Params,
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
    fc: Linear,
}

impl Cnn {
    /// Fresh parameters drawn from `seed`.
    pub fn new(seed: u64, device: &Device) -> Result<Self> {
        let mut params = Params::new(seed, device);
        let bound1 = 1.0 / (9.0f32).sqrt();
        let w1 = params.uniform("conv1.weight", &[8, 1, 3, 3], bound1)?;
        let b1 = params.uniform("conv1.bias", &[8], bound1)?;
        let bound2 = 1.0 / (8.0f32 * 9.0).sqrt();
        let w2 = params.uniform("conv2.weight", &[16, 8, 3, 3], bound2)?;
        let b2 = params.uniform("conv2.bias", &[16], bound2)?;
        let fc = params.linear("fc", 16 * 7 * 7, 10)?;
        Ok(Cnn { params, w1, b1, w2, b2, fc })
    }
}

impl Net for Cnn {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let b = x.dim(0)?;
        let x = x.reshape((b, 1, 28, 28))?;
        // candle's conv2d is a cross-correlation with zero padding, like PyTorch and the product kernel.
        let h = x.conv2d(&self.w1, 1, 1, 1, 1)?.broadcast_add(&self.b1.reshape((1, 8, 1, 1))?)?.relu()?;
        let h = h.max_pool2d(2)?;
        let h = h.conv2d(&self.w2, 1, 1, 1, 1)?.broadcast_add(&self.b2.reshape((1, 16, 1, 1))?)?.relu()?;
        let h = h.max_pool2d(2)?;
        // (b, 16, 7, 7) flattened channel-major, as the product's `fc.weight` expects.
        self.fc.forward(&h.reshape((b, 16 * 7 * 7))?)
    }
    fn params(&self) -> &Params {
        &self.params
    }
}
