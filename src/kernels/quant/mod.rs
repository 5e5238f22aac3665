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
    /// The i8 codes again, for the relaxed-SIMD kernel (`kernels::gemm::relaxed`): per panel of 8
    /// columns and per 4 rows of `k` (zero-padded), 32 bytes — columns 0–3 then 4–7, each column's 4
    /// rows together, what `i32x4.relaxed_dot_i8x16_i7x16_add` multiplies with 4 broadcast inputs.
    pub quads: Vec<i8>,
    /// Per-tensor scale of this layer's input, from calibration.
    pub act_scale: f32,
}

impl Int8Weights {
    /// Quantizes and packs a row-major `k×n` matrix; `act_scale` comes from calibration.
    pub fn new(k: usize, n: usize, w: &[f32], act_scale: f32) -> Self {
        let (codes, w_scales) = quantize_weights(k, n, w);
        Self::from_codes(k, n, codes, w_scales, act_scale)
    }

    /// Packs given row-major `k×n` codes with their per-column scales (an INT8 package's own
    /// quantization, used as stored rather than re-derived).
    pub fn from_codes(k: usize, n: usize, codes: Vec<i8>, w_scales: Vec<f32>, act_scale: f32) -> Self {
        assert_eq!(codes.len(), k * n, "Int8Weights::from_codes: {} codes for {k}×{n}", codes.len());
        assert_eq!(w_scales.len(), n, "Int8Weights::from_codes: {} scales for {n} columns", w_scales.len());
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
        let kq = k.div_ceil(4);
        let mut quads = vec![0i8; panels * kq * 32];
        for p in 0..panels {
            for q in 0..kq {
                for c in 0..8 {
                    let j = p * 8 + c;
                    for t in 0..4 {
                        let r = 4 * q + t;
                        if j < n && r < k {
                            quads[(p * kq + q) * 32 + c * 4 + t] = codes[r * n + j];
                        }
                    }
                }
            }
        }
        Int8Weights { k, n, codes, w_scales, packed, quads, act_scale }
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

/// INT8 weights of a 3×3 pad-1 convolution: symmetric per-output-channel weight scales and one
/// per-tensor activation scale for the convolution's input (from calibration).
///
/// `packed` is the operand of the SIMD kernel (`kernels::conv::int8`), which reads the input as
/// channel-innermost (NHWC) i16 codes: for each panel of 8 output channels, each tap `(ky, kx)` and
/// each pair of input channels `(2p, 2p+1)`, 16 i16 values `[w(co, 2p), w(co, 2p+1)]` for the panel's
/// 8 channels `co` — exactly what `i32x4_dot_i16x8` multiplies with one pixel's broadcast pair of
/// input codes. Output channels are padded to a multiple of 8 and input channels to even, with zeros.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Conv {
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// `cout × cin × 3 × 3` codes, row-major (the tensor's own order).
    pub codes: Vec<i8>,
    /// Per-output-channel weight scales.
    pub w_scales: Vec<f32>,
    /// `ceil(cout / 8) × 9 × ceil(cin / 2) × 16` packed i16 codes (see the type docs).
    pub packed: Vec<i16>,
    /// Per-tensor scale of the convolution's input.
    pub act_scale: f32,
}

impl Int8Conv {
    /// Quantizes a `cout×cin×3×3` weight tensor; `act_scale` comes from calibration.
    pub fn new(cin: usize, cout: usize, w: &[f32], act_scale: f32) -> Self {
        let taps = cin * 9;
        assert!(w.len() >= cout * taps, "Int8Conv::new: {} weights for {cout}×{cin}×3×3", w.len());
        // Per output channel = per column of the transposed (taps × cout) matrix.
        let mut kn = vec![0.0; taps * cout];
        for co in 0..cout {
            for t in 0..taps {
                kn[t * cout + co] = w[co * taps + t];
            }
        }
        let (q, w_scales) = quantize_weights(taps, cout, &kn);
        let mut codes = vec![0i8; cout * taps];
        for co in 0..cout {
            for t in 0..taps {
                codes[co * taps + t] = q[t * cout + co];
            }
        }
        Self::from_codes(cin, cout, codes, w_scales, act_scale)
    }

    /// Packs given `cout × cin·9` codes with their per-output-channel scales (an INT8 package's own
    /// quantization, used as stored rather than re-derived).
    pub fn from_codes(cin: usize, cout: usize, codes: Vec<i8>, w_scales: Vec<f32>, act_scale: f32) -> Self {
        let taps = cin * 9;
        assert_eq!(codes.len(), cout * taps, "Int8Conv::from_codes: {} codes for {cout}×{cin}×3×3", codes.len());
        assert_eq!(w_scales.len(), cout, "Int8Conv::from_codes: {} scales for {cout} channels", w_scales.len());
        let (panels, cp) = (cout.div_ceil(8), cin.div_ceil(2));
        let mut packed = vec![0i16; panels * 9 * cp * 16];
        for q in 0..panels {
            for g in 0..9 {
                for p in 0..cp {
                    for c in 0..8 {
                        for e in 0..2 {
                            let (co, ci) = (q * 8 + c, 2 * p + e);
                            if co < cout && ci < cin {
                                packed[((q * 9 + g) * cp + p) * 16 + 2 * c + e] = codes[co * taps + ci * 9 + g] as i16;
                            }
                        }
                    }
                }
            }
        }
        Int8Conv { cin, cout, codes, w_scales, packed, act_scale }
    }

    /// `code × scale` per weight: the fp32 weights this layer stands for (`cout×cin×3×3`).
    pub fn dequantized(&self) -> Vec<f32> {
        let taps = self.cin * 9;
        self.codes.iter().enumerate().map(|(i, &c)| c as f32 * self.w_scales[i / taps.max(1)]).collect()
    }

    /// Input-channel pairs (`ceil(cin / 2)`).
    pub fn channel_pairs(&self) -> usize {
        self.cin.div_ceil(2)
    }
}

/// INT8 convolution signature: `(shape, input, weights, bias, act, out)`.
pub type Int8ConvFn = fn(super::Conv3x3Shape, &[f32], &Int8Conv, &[f32], super::Act, &mut [f32]);
