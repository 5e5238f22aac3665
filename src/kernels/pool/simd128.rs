//! SIMD128 2×2 max-pool: the two input rows are maxed 8 columns at a time, then even/odd lanes are
//! de-interleaved with shuffles and maxed, giving 4 outputs per step. Max is exact, so results equal
//! the reference bit for bit (NaN aside: `f32x4_max` propagates NaN where the reference's `f32::max`
//! drops it; tests cover finite inputs).
use core::arch::wasm32::*;

/// Variant name.
pub const NAME: &str = "f32_maxpool2__simd128";

/// Max-pools `planes` planes of `h×w` into `planes × (h/2) × (w/2)`.
pub fn f32_maxpool2(planes: usize, h: usize, w: usize, input: &[f32], out: &mut [f32]) {
    let (oh, ow) = (h / 2, w / 2);
    assert!(input.len() >= planes * h * w && out.len() >= planes * oh * ow);
    #[target_feature(enable = "simd128")]
    unsafe fn imp(planes: usize, h: usize, w: usize, input: &[f32], out: &mut [f32]) {
        let (oh, ow) = (h / 2, w / 2);
        for p in 0..planes {
            for y in 0..oh {
                let r0 = input.as_ptr().add(p * h * w + 2 * y * w);
                let r1 = r0.add(w);
                let o = out.as_mut_ptr().add((p * oh + y) * ow);
                let mut x = 0;
                while x + 4 <= ow {
                    let a = f32x4_max(v128_load(r0.add(2 * x) as *const v128), v128_load(r1.add(2 * x) as *const v128));
                    let b = f32x4_max(v128_load(r0.add(2 * x + 4) as *const v128), v128_load(r1.add(2 * x + 4) as *const v128));
                    let even = i32x4_shuffle::<0, 2, 4, 6>(a, b);
                    let odd = i32x4_shuffle::<1, 3, 5, 7>(a, b);
                    v128_store(o.add(x) as *mut v128, f32x4_max(even, odd));
                    x += 4;
                }
                while x < ow {
                    let i = 2 * x;
                    *o.add(x) = (*r0.add(i)).max(*r0.add(i + 1)).max((*r1.add(i)).max(*r1.add(i + 1)));
                    x += 1;
                }
            }
        }
    }
    // SAFETY: bounds checked above.
    unsafe { imp(planes, h, w, input, out) }
}
