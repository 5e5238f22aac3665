//! The kernel table.
//!
//! [`scalar()`] fills every slot with the plain-loop reference (the competition's *baseline*, compiled
//! without SIMD); faster tables start from it and overwrite the slots they do better (the tract `linalg`
//! pattern), so a model always runs with a complete table. Models take `&Kernels` as an argument: an
//! entry is "this model with these kernels and these weights".
//!
//! Layout conventions (row-major everywhere):
//! - GEMM: `A` is `m×k`, `B` is `k×n` (weights stored input-major), `C` is `m×n`.
//! - Convolution: activations `N×C×H×W`, weights `Cout×Cin×3×3`.

pub mod act;
pub mod attention;
pub mod conv;
pub mod embed;
pub mod gemm;
pub mod norm;
pub mod pool;
pub mod quant;
pub mod scratch;
pub mod tolerance;

/// Activation fused into a GEMM or convolution epilogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Act {
    /// Identity.
    None,
    /// `x < 0 ? 0 : x` (NaN passes through, so bad inputs stay visible instead of turning into 0).
    Relu,
    /// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    Gelu,
}

/// Shape of a GEMM `C[m×n] = A[m×k] · B[k×n]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemmShape {
    /// Rows of A and C.
    pub m: usize,
    /// Columns of A, rows of B.
    pub k: usize,
    /// Columns of B and C.
    pub n: usize,
}

impl GemmShape {
    /// Multiply-add count times two.
    pub fn flops(&self) -> u64 {
        2 * (self.m * self.k * self.n) as u64
    }
}

/// Shape of a 3×3, stride-1, pad-1 convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv3x3Shape {
    /// Batch size.
    pub n: usize,
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// Height (same in and out).
    pub h: usize,
    /// Width (same in and out).
    pub w: usize,
}

/// Shape of a multi-head self-attention over one sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttnShape {
    /// Sequence length.
    pub seq: usize,
    /// Number of heads.
    pub heads: usize,
    /// Width of one head; the model width is `heads·head_dim`.
    pub head_dim: usize,
}

/// Dense layer weights as a model holds them: the row-major `k×n` matrix, read by the scalar baseline,
/// and the same matrix packed into 8-column panels ([`gemm::PackedB`]), read by the fast kernels.
/// Both are made once, at model load. Optimized entries add an INT8 form (after calibration) or a
/// block-sparse form (after pruning), read by the `int8()` and `sparse()` tables.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseWeights {
    /// Row-major `k×n`.
    pub kn: Vec<f32>,
    /// Packed copy of `kn`.
    pub packed: gemm::PackedB,
    /// INT8 form, if the layer has been quantized.
    pub int8: Option<quant::Int8Weights>,
    /// Block-sparse form of `kn`, if the layer has been pruned.
    pub sparse: Option<gemm::sparse::SparseWeights>,
}

impl DenseWeights {
    /// Wraps a row-major `k×n` matrix and packs it.
    pub fn new(k: usize, n: usize, kn: Vec<f32>) -> Self {
        let packed = gemm::PackedB::pack(k, n, &kn);
        DenseWeights { kn, packed, int8: None, sparse: None }
    }

    /// Adds the INT8 form with the given calibrated input scale.
    pub fn quantize(&mut self, act_scale: f32) {
        self.int8 = Some(quant::Int8Weights::new(self.k(), self.n(), &self.kn, act_scale));
    }

    /// Prunes `kn` in 1×8 blocks to `sparsity` (repacking the dense copy, so every table sees the same
    /// pruned function) and adds the block-sparse form. `input_norms` (one per row) weights each
    /// block by its input's typical magnitude (see `gemm::sparse::prune_blocks_scored`).
    pub fn prune_blocks(&mut self, sparsity: f64, input_norms: Option<&[f32]>) {
        let (k, n) = (self.k(), self.n());
        gemm::sparse::prune_blocks_scored(k, n, &mut self.kn, sparsity, input_norms);
        self.packed = gemm::PackedB::pack(k, n, &self.kn);
        self.sparse = Some(gemm::sparse::SparseWeights::from_dense(k, n, &self.kn));
    }
    /// Rows (input width).
    pub fn k(&self) -> usize {
        self.packed.k
    }
    /// Columns (output width).
    pub fn n(&self) -> usize {
        self.packed.n
    }
}

/// A dense layer: `out[rows×n] = act(x[rows×k]·W + bias)`.
pub type LinearFn = fn(usize, &[f32], &DenseWeights, Option<&[f32]>, Act, &mut [f32]);

/// `C = act(A·B + bias)`; `bias` has `n` entries.
pub type GemmFn = fn(GemmShape, &[f32], &[f32], Option<&[f32]>, Act, &mut [f32]);
/// `out = act(conv3x3(input, weight) + bias)`.
pub type Conv3x3Fn = fn(Conv3x3Shape, &[f32], &[f32], &[f32], Act, &mut [f32]);
/// INT8 `out = act(conv3x3(input, weight) + bias)` on a calibrated, quantized convolution.
pub type Conv3x3Int8Fn = quant::Int8ConvFn;
/// 2×2 max-pool, stride 2, over `planes` planes of `h×w` (odd edges dropped).
pub type MaxPool2Fn = fn(usize, usize, usize, &[f32], &mut [f32]);
/// In-place elementwise activation.
pub type UnaryFn = fn(&mut [f32]);
/// LayerNorm over rows of width `dim`: `(x, rows, dim, gamma, beta, eps, out)`.
pub type LayerNormFn = fn(&[f32], usize, usize, &[f32], &[f32], f32, &mut [f32]);
/// In-place softmax over each row of width `cols`.
pub type SoftmaxFn = fn(&mut [f32], usize);
/// Multi-head self-attention: `(q, k, v, shape, out)`, each `seq×(heads·head_dim)`.
pub type AttentionFn = fn(&[f32], &[f32], &[f32], AttnShape, &mut [f32]);
/// Embedding gather: `(ids, table, dim, out)`.
pub type EmbedFn = fn(&[u32], &[f32], usize, &mut [f32]) -> crate::Result<()>;
/// Mean over rows: `(x, rows, dim, out[dim])`.
pub type MeanPoolFn = fn(&[f32], usize, usize, &mut [f32]);

/// A complete set of kernels. Each slot names the variant that fills it in `names`.
#[derive(Clone)]
pub struct Kernels {
    /// Table name, e.g. `scalar` or `simd128`.
    pub name: &'static str,
    /// Dense f32 GEMM with bias and fused activation.
    pub gemm: GemmFn,
    /// Dense layer on pre-packed weights (models call this; the scalar table reads `kn`).
    pub linear: LinearFn,
    /// 3×3 pad-1 convolution with bias and fused activation.
    pub conv3x3: Conv3x3Fn,
    /// The same on a convolution's INT8 form, for layers that have one (quantized by
    /// `models::optimize`, or stored as INT8 in a package). Only the INT8 table fills it: the fp32
    /// tables leave it `None` and run such a layer through `conv3x3` on its f32 weights, as their
    /// `linear` does with an INT8 dense layer.
    pub conv3x3_int8: Option<Conv3x3Int8Fn>,
    /// 2×2 max-pool.
    pub maxpool2: MaxPool2Fn,
    /// ReLU in place.
    pub relu: UnaryFn,
    /// GELU (tanh form) in place.
    pub gelu: UnaryFn,
    /// LayerNorm.
    pub layernorm: LayerNormFn,
    /// Row softmax in place.
    pub softmax: SoftmaxFn,
    /// Multi-head self-attention.
    pub attention: AttentionFn,
    /// Embedding gather.
    pub embed: EmbedFn,
    /// Mean over positions.
    pub mean_pool: MeanPoolFn,
    /// Variant name per slot, for reports: `(slot, variant)`.
    pub names: Vec<(&'static str, &'static str)>,
}

impl std::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernels").field("name", &self.name).field("names", &self.names).finish()
    }
}

/// The baseline: every slot holds the plain-loop scalar reference.
pub fn scalar() -> Kernels {
    Kernels {
        name: "scalar",
        gemm: gemm::scalar::f32_gemm,
        linear: gemm::scalar::f32_linear,
        conv3x3: conv::scalar::f32_conv3x3,
        conv3x3_int8: None,
        maxpool2: pool::scalar::f32_maxpool2,
        relu: act::scalar::f32_relu,
        gelu: act::scalar::f32_gelu,
        layernorm: norm::scalar::f32_layernorm,
        softmax: norm::scalar::f32_softmax,
        attention: attention::scalar::f32_attention,
        embed: embed::scalar::embed,
        mean_pool: embed::scalar::f32_mean_pool,
        names: vec![
            ("gemm", "f32_gemm__scalar"),
            ("linear", "f32_gemm__scalar"),
            ("conv3x3", "f32_conv3x3__scalar"),
            ("maxpool2", "f32_maxpool2__scalar"),
            ("relu", "f32_relu__scalar"),
            ("gelu", "f32_gelu__scalar"),
            ("layernorm", "f32_layernorm__scalar"),
            ("softmax", "f32_softmax__scalar"),
            ("attention", "f32_attention__scalar"),
            ("embed", "embed__scalar"),
            ("mean_pool", "f32_mean_pool__scalar"),
        ],
    }
}

/// Every activation-quantizer variant (scalar reference first): `quant`'s reference and, in wasm,
/// `gemm::int8`'s SIMD one, listed here so neither module needs the other.
pub fn quantize_variants() -> Vec<(&'static str, quant::QuantizeFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, quant::QuantizeFn)> = vec![("i8_quantize__scalar", quant::quantize_activations)];
    #[cfg(target_arch = "wasm32")]
    v.push((gemm::int8::QUANTIZE_NAME, gemm::int8::quantize_activations));
    v
}

/// The fastest table this build has: [`simd128()`], with the relaxed-SIMD dense layer where the page
/// installed it (`gemm::relaxed`).
pub fn best() -> Kernels {
    #[allow(unused_mut)]
    let mut k = simd128();
    // Relaxed SIMD, where the page found it and installed the relaxed module.
    #[cfg(target_arch = "wasm32")]
    if gemm::relaxed::installed().is_some() {
        k.linear = gemm::relaxed::f32_linear;
        set_name(&mut k, "linear", gemm::relaxed::NAME);
    }
    k
}

/// The SIMD128 table: the scalar table with SIMD128 slots laid over it on wasm32 (every browser
/// that runs the engine has SIMD128).
pub fn simd128() -> Kernels {
    #[allow(unused_mut)]
    let mut k = scalar();
    #[cfg(target_arch = "wasm32")]
    {
        k.name = "simd128";
        k.gemm = gemm::simd128::f32_gemm;
        k.linear = gemm::simd128::f32_linear;
        k.conv3x3 = conv::simd128::f32_conv3x3;
        k.maxpool2 = pool::simd128::f32_maxpool2;
        k.relu = act::simd128::f32_relu;
        k.gelu = act::simd128::f32_gelu;
        k.layernorm = norm::simd128::f32_layernorm;
        k.softmax = norm::simd128::f32_softmax;
        k.attention = attention::simd128::f32_attention;
        for (slot, variant) in [
            ("gemm", gemm::simd128::NAME),
            ("linear", gemm::simd128::PACKED_NAME),
            ("conv3x3", conv::simd128::NAME),
            ("maxpool2", pool::simd128::NAME),
            ("relu", act::simd128::RELU),
            ("gelu", act::simd128::GELU),
            ("layernorm", norm::simd128::LAYERNORM),
            ("softmax", norm::simd128::SOFTMAX),
            ("attention", attention::simd128::NAME),
        ] {
            set_name(&mut k, slot, variant);
        }
    }
    k
}

/// The INT8 table: [`best()`] with dense layers and convolutions in INT8 wherever the model's weights
/// were quantized (see `models::optimize`), fp32 elsewhere.
pub fn int8() -> Kernels {
    let mut k = best();
    k.name = "int8";
    #[cfg(target_arch = "wasm32")]
    {
        k.linear = gemm::int8::i8_linear;
        set_name(&mut k, "linear", gemm::int8::NAME);
        if gemm::relaxed::installed().is_some() {
            k.linear = gemm::relaxed::i8_linear;
            set_name(&mut k, "linear", gemm::relaxed::I8_NAME);
        }
        k.conv3x3_int8 = Some(conv::int8::simd128);
        k.names.push(("conv3x3_int8", conv::int8::SIMD_NAME));
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        k.linear = int8_linear_reference;
        set_name(&mut k, "linear", "i8_gemm__scalar");
        k.conv3x3_int8 = Some(conv::int8::scalar);
        k.names.push(("conv3x3_int8", conv::int8::SCALAR_NAME));
    }
    k
}

#[cfg(not(target_arch = "wasm32"))]
fn int8_linear_reference(rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]) {
    match &w.int8 {
        Some(q) => quant::i8_linear_reference(rows, x, q, bias, act, out),
        None => gemm::scalar::f32_linear(rows, x, w, bias, act, out),
    }
}

/// The sparse table: [`best()`] with dense layers block-sparse wherever they were pruned.
pub fn sparse() -> Kernels {
    let mut k = best();
    k.name = "sparse";
    k.linear = gemm::sparse::sparse_linear;
    #[cfg(target_arch = "wasm32")]
    set_name(&mut k, "linear", gemm::sparse::SIMD_NAME);
    #[cfg(not(target_arch = "wasm32"))]
    set_name(&mut k, "linear", gemm::sparse::SCALAR_NAME);
    k
}

/// INT8 dense-layer kernel on quantized weights.
pub type Int8LinearFn = fn(usize, &[f32], &quant::Int8Weights, Option<&[f32]>, Act, &mut [f32]);
/// Block-sparse dense-layer kernel.
pub type SparseLinearFn = fn(usize, &[f32], &gemm::sparse::SparseWeights, Option<&[f32]>, Act, &mut [f32]);

/// Every INT8 dense-layer variant (scalar reference first).
pub fn int8_variants() -> Vec<(&'static str, Int8LinearFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, Int8LinearFn)> = vec![("i8_gemm__scalar", quant::i8_linear_reference)];
    #[cfg(target_arch = "wasm32")]
    {
        v.push((gemm::int8::NAME, gemm::int8::i8_linear_packed));
        if gemm::relaxed::installed().is_some() {
            v.push((gemm::relaxed::I8_NAME, gemm::relaxed::i8_linear_packed));
        }
    }
    v
}

/// Every INT8 convolution variant (scalar reference first).
pub fn int8_conv_variants() -> Vec<(&'static str, Conv3x3Int8Fn)> {
    conv::int8::variants()
}

/// Every sparse dense-layer variant (1×8-block and CSC references first, then the SIMD kernels).
pub fn sparse_variants() -> Vec<(&'static str, SparseLinearFn)> {
    gemm::sparse::variants()
}

fn set_name(k: &mut Kernels, slot: &'static str, variant: &'static str) {
    if let Some(e) = k.names.iter_mut().find(|(s, _)| *s == slot) {
        e.1 = variant;
    }
}

/// Every GEMM variant in this build, by name: the one list read by tests and benchmarks.
pub fn gemm_variants() -> Vec<(&'static str, GemmFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, GemmFn)> = vec![("f32_gemm__scalar", gemm::scalar::f32_gemm)];
    #[cfg(target_arch = "wasm32")]
    v.push((gemm::simd128::NAME, gemm::simd128::f32_gemm));
    v
}

/// Every dense-layer variant in this build, by name (scalar reference first).
pub fn linear_variants() -> Vec<(&'static str, LinearFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, LinearFn)> = vec![("f32_gemm__scalar", gemm::scalar::f32_linear)];
    #[cfg(target_arch = "wasm32")]
    {
        v.push((gemm::simd128::PACKED_NAME, gemm::simd128::f32_linear));
        if gemm::relaxed::installed().is_some() {
            v.push((gemm::relaxed::NAME, gemm::relaxed::f32_linear));
        }
    }
    v
}

/// Applies a fused activation to one value; shared by the scalar epilogues.
#[inline]
pub fn apply_act(act: Act, x: f32) -> f32 {
    match act {
        Act::None => x,
        Act::Relu => act::scalar::relu1(x),
        Act::Gelu => act::scalar::gelu1(x),
    }
}
