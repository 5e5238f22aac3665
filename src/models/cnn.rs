//! CNN Marathon: `1×28×28 → Conv3×3(1→8, pad 1) → ReLU → MaxPool2 → Conv3×3(8→16, pad 1) → ReLU →
//! MaxPool2 → flatten (16·7·7 = 784, channel-major like PyTorch) → Linear 10`.
//!
//! Tensors: `conv1.weight [8, 1, 3, 3]`, `conv1.bias [8]`, `conv2.weight [16, 8, 3, 3]`,
//! `conv2.bias [16]`, `fc.weight [10, 784]`, `fc.bias [10]`. Convolution weights are stored exactly as
//! the kernel reads them (`Cout×Cin×3×3`), so only `fc.weight` is transposed at load.
use super::{check_architecture, linear::Linear};
use crate::format::Package;
use crate::kernels::{Act, Conv3x3Shape, Kernels};
use crate::{check_len, Result};

/// One 3×3 pad-1 convolution's parameters.
#[derive(Debug, Clone, PartialEq)]
struct Conv {
    cin: usize,
    cout: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

impl Conv {
    fn from_package(p: &Package, prefix: &str, cin: usize, cout: usize) -> Result<Self> {
        Ok(Conv {
            cin,
            cout,
            weight: p.tensor(&format!("{prefix}.weight"), &[cout, cin, 3, 3])?.to_vec(),
            bias: p.tensor(&format!("{prefix}.bias"), &[cout])?.to_vec(),
        })
    }

    /// Conv + fused ReLU over `n` images of `h×w`.
    fn forward(&self, k: &Kernels, x: &[f32], n: usize, h: usize, w: usize) -> Vec<f32> {
        let mut out = vec![0.0; n * self.cout * h * w];
        (k.conv3x3)(Conv3x3Shape { n, cin: self.cin, cout: self.cout, h, w }, x, &self.weight, &self.bias, Act::Relu, &mut out);
        out
    }

    /// Multiply-adds ×2 for one `h×w` image, counting only taps that land inside the image (zero
    /// padding contributes no work): each in/out channel pair does `(3h−2)·(3w−2)` multiply-adds.
    fn flops(&self, h: usize, w: usize) -> u64 {
        2 * (self.cin * self.cout * (3 * h - 2) * (3 * w - 2)) as u64
    }

    fn param_count(&self) -> usize {
        self.weight.len() + self.bias.len()
    }
}

/// The CNN Marathon model.
#[derive(Debug, Clone, PartialEq)]
pub struct Cnn {
    conv1: Conv,
    conv2: Conv,
    fc: Linear,
}

impl Cnn {
    /// Architecture string recorded in the package metadata.
    pub const ARCHITECTURE: &'static str = "cnn:1x28x28/conv3x3-8/relu/maxpool2/conv3x3-16/relu/maxpool2/flatten784/linear10";
    /// Image side.
    pub const SIDE: usize = 28;
    /// Input values per sample.
    pub const INPUT: usize = 28 * 28;
    /// Channels after the first and second convolution.
    pub const CHANNELS: [usize; 2] = [8, 16];
    /// Output classes.
    pub const CLASSES: usize = 10;
    /// Width of the flattened features fed to the classifier: 16·7·7.
    pub const FLAT: usize = 16 * 7 * 7;

    /// The dense layers by tensor prefix, for quantization and pruning (`models::optimize`).
    pub fn linears_mut(&mut self) -> Vec<(&'static str, &mut Linear)> {
        vec![("fc", &mut self.fc)]
    }

    /// Builds the model, checking the architecture tag (if present) and every tensor's shape.
    pub fn from_package(p: &Package) -> Result<Self> {
        check_architecture(p, Self::ARCHITECTURE)?;
        let [c1, c2] = Self::CHANNELS;
        Ok(Cnn {
            conv1: Conv::from_package(p, "conv1", 1, c1)?,
            conv2: Conv::from_package(p, "conv2", c1, c2)?,
            fc: Linear::from_package(p, "fc", Self::FLAT, Self::CLASSES)?,
        })
    }

    /// Logits (`batch × 10`) for `batch` single-channel 28×28 images (`batch × 784`, NCHW).
    pub fn forward(&self, k: &Kernels, input: &[f32], batch: usize) -> Result<Vec<f32>> {
        check_len("CNN input (batch × 1×28×28 pixels)", input, batch * Self::INPUT)?;
        let [c1, c2] = Self::CHANNELS;
        let (s, s2, s4) = (Self::SIDE, Self::SIDE / 2, Self::SIDE / 4);
        let a1 = self.conv1.forward(k, input, batch, s, s);
        let mut p1 = vec![0.0; batch * c1 * s2 * s2];
        (k.maxpool2)(batch * c1, s, s, &a1, &mut p1);
        let a2 = self.conv2.forward(k, &p1, batch, s2, s2);
        let mut p2 = vec![0.0; batch * c2 * s4 * s4];
        (k.maxpool2)(batch * c2, s2, s2, &a2, &mut p2);
        // p2 is N×C×7×7, so each sample's 784 features are already in PyTorch's flatten order.
        Ok(self.fc.apply(k, &p2, batch, Act::None))
    }

    /// Number of weights and biases (9,098).
    pub fn param_count(&self) -> usize {
        self.conv1.param_count() + self.conv2.param_count() + self.fc.param_count()
    }

    /// 2 × multiply-adds for one image: conv1 on 28×28 (1·8·82·82 = 53,792), conv2 on 14×14
    /// (8·16·40·40 = 204,800) counting in-bounds taps only, and the classifier (784·10 = 7,840);
    /// total 2·266,432 = 532,864. Bias adds, ReLU and max-pool comparisons are not counted.
    pub fn flops_per_inference(&self) -> u64 {
        let s = Self::SIDE;
        self.conv1.flops(s, s) + self.conv2.flops(s / 2, s / 2) + self.fc.flops(1)
    }
}
