//! INT8 quantization: symmetric per-output-channel weights, per-tensor activations.
//!
//! - Weights: column `j` of the `k×n` matrix gets `scale_w[j] = max|W[:, j]| / 127` and
//!   `q = round(W / scale_w[j])` in [-127, 127] (symmetric, no zero point, so the int8 GEMM needs no
//!   correction terms).
//! - Activations: one scale per layer input, `scale_a = max|x| / 127` over calibration data from the
//!   *training* split (max-abs calibration: the layers here see bounded inputs — pixels, ReLU outputs,
//!   LayerNorm outputs — so clipping outliers buys nothing measurable; see the README's accuracy table).
//! - `y[i, j] = act(scale_a · scale_w[j] · Σ_k qa[i, k]·qw[k, j] + bias[j])`, i32 accumulation
//!   (at most 127·127·k, far from overflow for k ≤ 100,000).
//!
//! Rounding is to nearest, ties to even (`libm::rintf`, and `f32x4_nearest` in SIMD), saturating.

/// Largest quantized magnitude (symmetric: -127..=127, never -128).
pub const QMAX: f32 = 127.0;

/// Quantizes one value with `inv_scale = 1 / scale`.
#[inline]
pub fn quantize1(x: f32, inv_scale: f32) -> i8 {
    let q = libm::rintf(x * inv_scale);
    // NaN maps to 0 (clamp passes NaN through; the cast then saturates NaN to 0).
    q.clamp(-QMAX, QMAX) as i8
}

/// Scale for values whose largest magnitude is `max_abs` (a zero tensor gets scale 1, all-zero codes).
pub fn scale_for(max_abs: f32) -> f32 {
    if max_abs > 0.0 && max_abs.is_finite() {
        max_abs / QMAX
    } else {
        1.0
    }
}

/// Reference activation quantizer: `out[i] = quantize1(x[i], inv_scale)`. The spec for the SIMD
/// quantizer (`gemm::int8::quantize_activations`), which must match it bit for bit.
pub fn quantize_activations(x: &[f32], inv_scale: f32, out: &mut [i8]) {
    assert!(out.len() >= x.len(), "quantize: {} outputs for {} inputs", out.len(), x.len());
    for (o, &v) in out.iter_mut().zip(x) {
        *o = quantize1(v, inv_scale);
    }
}

/// `q · scale`, the value a code stands for. Round trip: `|dequantize(quantize(x)) − x| ≤ scale/2`
/// for `|x| ≤ 127·scale` (beyond that the code saturates).
pub fn dequantize(q: &[i8], scale: f32) -> Vec<f32> {
    q.iter().map(|&c| c as f32 * scale).collect()
}

/// Activation quantizer signature: `(x, 1/scale, out)`.
pub type QuantizeFn = fn(&[f32], f32, &mut [i8]);

/// Every activation-quantizer variant (scalar reference first).
pub fn quantize_variants() -> Vec<(&'static str, QuantizeFn)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, QuantizeFn)> = vec![("i8_quantize__scalar", quantize_activations)];
    #[cfg(target_arch = "wasm32")]
    v.push((super::gemm::int8::QUANTIZE_NAME, super::gemm::int8::quantize_activations));
    v
}

/// Per-output-channel quantization of a row-major `k×n` matrix: `(codes k×n, scales n)`.
pub fn quantize_weights(k: usize, n: usize, w: &[f32]) -> (Vec<i8>, Vec<f32>) {
    let mut scales = vec![1.0; n];
    for (j, s) in scales.iter_mut().enumerate() {
        let m = (0..k).map(|r| w[r * n + j].abs()).fold(0.0f32, f32::max);
        *s = scale_for(m);
    }
    let mut q = vec![0i8; k * n];
    for r in 0..k {
        for j in 0..n {
            q[r * n + j] = quantize1(w[r * n + j], 1.0 / scales[j]);
        }
    }
    (q, scales)
}

/// INT8 weights of one dense layer, packed for the SIMD kernel, with the layer's activation scale.
///
/// Packing: panels of 8 output columns; inside a panel, for each pair of rows `(2p, 2p+1)`, 16 i16
/// values `[w(2p,j), w(2p+1,j), w(2p,j+1), w(2p+1,j+1), …]` for `j` in the panel — exactly the operand
/// `i32x4_dot_i16x8` multiplies with a broadcast activation pair. `k` is padded to even and `n` to a
/// multiple of 8 with zeros. The codes are stored widened to i16 once here so the inner loop does no
/// widening.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Weights {
    /// Rows.
    pub k: usize,
    /// Columns.
    pub n: usize,
    /// Row-major `k×n` codes (the scalar reference reads these).
    pub codes: Vec<i8>,
    /// Per-column weight scales.
    pub w_scales: Vec<f32>,
    /// Packed i16 codes (see the type docs).
    pub packed: Vec<i16>,
    /// Per-tensor scale of this layer's input, from calibration.
    pub act_scale: f32,
}

impl Int8Weights {
    /// Quantizes and packs a row-major `k×n` matrix; `act_scale` comes from calibration.
    pub fn new(k: usize, n: usize, w: &[f32], act_scale: f32) -> Self {
        let (codes, w_scales) = quantize_weights(k, n, w);
        let (kp, panels) = (k.div_ceil(2), n.div_ceil(8));
        let mut packed = vec![0i16; panels * kp * 16];
        for p in 0..panels {
            for pair in 0..kp {
                for c in 0..8 {
                    let j = p * 8 + c;
                    for t in 0..2 {
                        let r = 2 * pair + t;
                        if j < n && r < k {
                            packed[(p * kp + pair) * 16 + c * 2 + t] = codes[r * n + j] as i16;
                        }
                    }
                }
            }
        }
        Int8Weights { k, n, codes, w_scales, packed, act_scale }
    }

    /// Row pairs (`ceil(k/2)`).
    pub fn pairs(&self) -> usize {
        self.k.div_ceil(2)
    }
}

/// Reference int8 dense layer: quantize `x` with the layer's activation scale, integer GEMM, requantize
/// with `act_scale · w_scales[j]`, add bias, activation. Plain loops: the spec for the SIMD path.
pub fn i8_linear_reference(rows: usize, x: &[f32], w: &Int8Weights, bias: Option<&[f32]>, act: super::Act, out: &mut [f32]) {
    let (k, n) = (w.k, w.n);
    assert!(x.len() >= rows * k && out.len() >= rows * n);
    let inv = 1.0 / w.act_scale;
    let qa: Vec<i8> = x[..rows * k].iter().map(|&v| quantize1(v, inv)).collect();
    for i in 0..rows {
        for j in 0..n {
            let mut acc: i32 = 0;
            for p in 0..k {
                acc += qa[i * k + p] as i32 * w.codes[p * n + j] as i32;
            }
            let y = acc as f32 * (w.act_scale * w.w_scales[j]) + bias.map_or(0.0, |b| b[j]);
            out[i * n + j] = super::apply_act(act, y);
        }
    }
}
