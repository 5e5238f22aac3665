//! Reference activations. GELU uses the tanh form, with `tanh` from `libm` so native and wasm agree
//! bit for bit.

/// `sqrt(2/pi)`.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;

/// GELU (tanh form) of one value.
#[inline]
pub fn gelu1(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::tanhf(SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)))
}

/// ReLU in place.
#[inline(never)]
pub fn f32_relu(x: &mut [f32]) {
    for v in x {
        *v = v.max(0.0);
    }
}

/// GELU (tanh form) in place.
#[inline(never)]
pub fn f32_gelu(x: &mut [f32]) {
    for v in x {
        *v = gelu1(*v);
    }
}
