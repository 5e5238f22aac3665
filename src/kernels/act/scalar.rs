//! Reference activations. GELU uses the tanh form, with `tanh` from `libm` so native and wasm agree
//! bit for bit.

/// `sqrt(2/pi)`.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;

/// GELU (tanh form) of one value.
#[inline]
pub fn gelu1(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::tanhf(SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)))
}

/// ReLU of one value: `x < 0 ? 0 : x`. Unlike `f32::max`, NaN stays NaN, so a corrupt input cannot
/// silently become a valid-looking zero; SIMD twins use the same comparison.
#[inline]
pub fn relu1(x: f32) -> f32 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// ReLU in place.
#[inline(never)]
pub fn f32_relu(x: &mut [f32]) {
    for v in x {
        *v = relu1(*v);
    }
}

/// GELU (tanh form) in place.
#[inline(never)]
pub fn f32_gelu(x: &mut [f32]) {
    for v in x {
        *v = gelu1(*v);
    }
}
