//! SIMD128 2×2 max-pool: the two input rows are maxed 8 columns at a time, then even/odd lanes are
//! de-interleaved with shuffles and maxed, giving 4 outputs per step; a row whose output width is
//! not a multiple of 4 ends with one more step over its last 4 outputs (overlapping the previous
//! one), so no output goes through scalar code unless the row has fewer than 4. The max is
//! `f32x4_pmax` (`a < b ? b : a`, one instruction; `f32x4_max` is a NaN-handling sequence in V8),
//! scalar `a < b ? b : a` in short rows: a branch-free select, where `f32::max` compiles to
//! data-dependent branches. Max is exact, so results equal the reference's for finite inputs (NaN
//! aside: the reference's `f32::max` drops a NaN, these keep or drop it by position; tests cover
//! finite inputs).
use core::arch::wasm32::*;

/// Variant name.
pub const NAME: &str = "f32_maxpool2__simd128";

#[inline(always)]
fn pmax1(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}

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
                if ow < 4 {
                    for x in 0..ow {
                        let i = 2 * x;
                        *o.add(x) = pmax1(pmax1(*r0.add(i), *r0.add(i + 1)), pmax1(*r1.add(i), *r1.add(i + 1)));
                    }
                    continue;
                }
                let mut x = 0;
                loop {
                    let a = f32x4_pmax(v128_load(r0.add(2 * x) as *const v128), v128_load(r1.add(2 * x) as *const v128));
                    let b = f32x4_pmax(v128_load(r0.add(2 * x + 4) as *const v128), v128_load(r1.add(2 * x + 4) as *const v128));
                    let even = i32x4_shuffle::<0, 2, 4, 6>(a, b);
                    let odd = i32x4_shuffle::<1, 3, 5, 7>(a, b);
                    v128_store(o.add(x) as *mut v128, f32x4_pmax(even, odd));
                    if x + 4 == ow {
                        break;
                    }
                    x = (x + 4).min(ow - 4);
                }
            }
        }
    }
    // SAFETY: bounds checked above; a step at output column x reads input columns 2x..2x+8 ≤ 2·ow ≤ w
    // of two rows of the plane.
    unsafe { imp(planes, h, w, input, out) }
}
