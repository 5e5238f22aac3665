//! CNN Marathon: `1×28×28 → Conv3×3(1→8, pad 1) → ReLU → MaxPool2 → Conv3×3(8→16, pad 1) → ReLU →
//! MaxPool2 → flatten (16·7·7 = 784, channel-major like PyTorch) → Linear 10`.
//!
//! Tensors: `conv1.weight [8, 1, 3, 3]`, `conv1.bias [8]`, `conv2.weight [16, 8, 3, 3]`,
//! `conv2.bias [16]`, `fc.weight [10, 784]`, `fc.bias [10]`. Convolution weights are stored exactly as
//! the kernel reads them (`Cout×Cin×3×3`), so only `fc.weight` is transposed at load. Any of the three
//! layers may be INT8 (`I8` weight, `<layer>.weight_scale`, `<layer>.input_scale`): a convolution with
//! an INT8 form runs the table's `conv3x3_int8` slot.
use super::{check_architecture, linear::Linear};
use crate::format::{Dtype, Package};
use crate::kernels::{quant::Int8Conv, Act, Conv3x3Shape, Kernels};
use crate::{check_len, Error, Result};
use std::cell::RefCell;

thread_local! {
    /// Activation buffers kept from one forward pass for the next (see [`buffer`]).
    static FREE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` floats for a layer's output: one kept from an earlier pass when one is large
/// enough (the smallest such), its old values left in place, since every kernel writes its whole
/// output. Zero-filling fresh buffers (3 MB at batch 64) took about a sixth of the SIMD forward pass.
fn buffer(len: usize) -> Vec<f32> {
    let reused = FREE.with(|f| {
        let mut f = f.borrow_mut();
        let i = (0..f.len()).filter(|&i| f[i].capacity() >= len).min_by_key(|&i| f[i].capacity())?;
        Some(f.swap_remove(i))
    });
    match reused {
        Some(mut v) => {
            v.truncate(len);
            v.resize(len, 0.0); // zero-fills only what this buffer never held
            v
        }
        None => vec![0.0; len],
    }
}

/// Keeps a pass's activation buffers for the next one (at most 4, of up to 16 MB each).
fn recycle(bufs: [Vec<f32>; 4]) {
    FREE.with(|f| {
        let mut f = f.borrow_mut();
        for v in bufs {
            if f.len() < 4 && v.capacity() <= 4 << 20 {
                f.push(v);
            }
        }
    });
}

/// One 3×3 pad-1 convolution's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// `cout×cin×3×3` f32 weights (for an INT8 layer loaded from a package: code × scale).
    pub weight: Vec<f32>,
    /// `cout` biases.
    pub bias: Vec<f32>,
    /// INT8 form (per-output-channel codes and scales, calibrated input scale), run by the table's
    /// `conv3x3_int8` slot when it has one.
    pub int8: Option<Int8Conv>,
}

impl Conv {
    /// Loads `<prefix>.weight` (`[cout, cin, 3, 3]`) and `<prefix>.bias`. As for a dense layer
    /// (`Linear::from_package`), a weight stored as `I8` needs `<prefix>.weight_scale` (`[cout]`, > 0;
    /// value = code × scale) and may carry `<prefix>.input_scale` (`[1]`), which gives the layer its
    /// INT8 form with exactly the stored codes.
    fn from_package(p: &Package, prefix: &str, cin: usize, cout: usize) -> Result<Self> {
        let wname = format!("{prefix}.weight");
        let w = p.tensor(&wname, &[cout, cin, 3, 3])?;
        let bias = p.tensor(&format!("{prefix}.bias"), &[cout])?.to_vec();
        if !p.get(&wname).is_some_and(|t| t.dtype == Dtype::I8) {
            return Ok(Conv { cin, cout, weight: w.to_vec(), bias, int8: None });
        }
        let s = p.tensor(&format!("{prefix}.weight_scale"), &[cout])?;
        if let Some(i) = s.iter().position(|&v| !(v > 0.0)) {
            return Err(Error::format("model package", format!("{prefix}.weight_scale[{i}] = {} must be positive", s[i])));
        }
        let taps = cin * 9;
        let weight = w.iter().enumerate().map(|(i, &c)| c * s[i / taps]).collect();
        let int8 = match p.get(&format!("{prefix}.input_scale")) {
            None => None,
            Some(t) => {
                let act = t.data.first().copied().filter(|v| t.data.len() == 1 && *v > 0.0).ok_or_else(|| {
                    Error::format("model package", format!("{prefix}.input_scale must hold one positive value, has {:?}", t.data))
                })?;
                Some(Int8Conv::from_codes(cin, cout, w.iter().map(|&c| c as i8).collect(), s.to_vec(), act))
            }
        };
        Ok(Conv { cin, cout, weight, bias, int8 })
    }

    /// Writes the layer into `p` under `prefix` as [`Conv::from_package`] reads it: an INT8 layer as
    /// `I8` codes with `weight_scale` and `input_scale`, any other in the float type the package
    /// already stores it in when its values fit (the reference's fp16), else `F32`
    /// ([`Package::replace_values`]).
    pub fn store(&self, p: &mut Package, prefix: &str) -> Result<()> {
        let shape = vec![self.cout, self.cin, 3, 3];
        p.replace_values(format!("{prefix}.bias"), vec![self.cout], self.bias.clone())?;
        for suffix in ["weight_scale", "input_scale"] {
            p.remove(&format!("{prefix}.{suffix}"));
        }
        match &self.int8 {
            Some(q) => {
                p.insert_typed(format!("{prefix}.weight"), shape, Dtype::I8, q.codes.iter().map(|&c| c as f32).collect())?;
                p.insert(format!("{prefix}.weight_scale"), vec![self.cout], q.w_scales.clone())?;
                p.insert(format!("{prefix}.input_scale"), vec![1], vec![q.act_scale])
            }
            None => p.replace_values(format!("{prefix}.weight"), shape, self.weight.clone()),
        }
    }

    /// Adds the INT8 form: weights quantized per output channel, `act_scale` from calibration.
    pub fn quantize(&mut self, act_scale: f32) {
        self.int8 = Some(Int8Conv::new(self.cin, self.cout, &self.weight, act_scale));
    }

    /// Conv + fused ReLU over `n` images of `h×w`.
    fn forward(&self, k: &Kernels, x: &[f32], n: usize, h: usize, w: usize) -> Vec<f32> {
        let mut out = buffer(n * self.cout * h * w);
        let s = Conv3x3Shape { n, cin: self.cin, cout: self.cout, h, w };
        match (&self.int8, k.conv3x3_int8) {
            (Some(q), Some(f)) => f(s, x, q, &self.bias, Act::Relu, &mut out),
            _ => (k.conv3x3)(s, x, &self.weight, &self.bias, Act::Relu, &mut out),
        }
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

    /// The convolutions by tensor prefix, for INT8 quantization (`models::optimize`) and storing.
    pub fn convs_mut(&mut self) -> Vec<(&'static str, &mut Conv)> {
        vec![("conv1", &mut self.conv1), ("conv2", &mut self.conv2)]
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
        let mut p1 = buffer(batch * c1 * s2 * s2);
        (k.maxpool2)(batch * c1, s, s, &a1, &mut p1);
        let a2 = self.conv2.forward(k, &p1, batch, s2, s2);
        let mut p2 = buffer(batch * c2 * s4 * s4);
        (k.maxpool2)(batch * c2, s2, s2, &a2, &mut p2);
        // p2 is N×C×7×7, so each sample's 784 features are already in PyTorch's flatten order.
        let logits = self.fc.apply(k, &p2, batch, Act::None);
        recycle([a1, p1, a2, p2]);
        Ok(logits)
    }

    /// Number of weights and biases (9,098).
    pub fn param_count(&self) -> usize {
        self.conv1.param_count() + self.conv2.param_count() + self.fc.param_count()
    }

    /// 2 × multiply-adds per image of each convolution and dense layer, by tensor prefix (the terms of
    /// [`Self::flops_per_inference`]).
    pub fn layer_flops(&self) -> Vec<(String, u64)> {
        let s = Self::SIDE;
        vec![("conv1".into(), self.conv1.flops(s, s)), ("conv2".into(), self.conv2.flops(s / 2, s / 2)), ("fc".into(), self.fc.flops(1))]
    }

    /// 2 × multiply-adds for one image: conv1 on 28×28 (1·8·82·82 = 53,792), conv2 on 14×14
    /// (8·16·40·40 = 204,800) counting in-bounds taps only, and the classifier (784·10 = 7,840);
    /// total 2·266,432 = 532,864. Bias adds, ReLU and max-pool comparisons are not counted.
    pub fn flops_per_inference(&self) -> u64 {
        let s = Self::SIDE;
        self.conv1.flops(s, s) + self.conv2.flops(s / 2, s / 2) + self.fc.flops(1)
    }
}
