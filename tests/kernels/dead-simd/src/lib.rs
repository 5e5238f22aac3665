//! A kernel that looks like a SIMD int8 kernel in its file but computes MLP Sprint with the scalar
//! template code (test fixture for the execution census). `unused_simd` is exported under a
//! non-ABI name so wasm-ld and LTO keep it, full of v128 arithmetic and `i32x4.dot_i16x8_s`, and the
//! engine never calls it: static counting credits it, the census must not.
#[path = "../../../../contest/kernel-template/src/mlp.rs"]
mod mlp;

use core::arch::wasm32::*;
use std::cell::RefCell;

thread_local! {
    static MODEL: RefCell<Option<mlp::Mlp>> = const { RefCell::new(None) };
}

#[no_mangle]
pub extern "C" fn alloc(bytes: i32) -> i32 {
    mlp::reserve(bytes)
}

#[no_mangle]
pub extern "C" fn load_weights(ptr: i32, len: i32) -> i32 {
    if len < 0 || len % 4 != 0 {
        return 1;
    }
    let values = unsafe { std::slice::from_raw_parts(ptr as *const f32, len as usize / 4) };
    match mlp::Mlp::from_values(values) {
        Some(m) => {
            MODEL.with(|s| *s.borrow_mut() = Some(m));
            0
        }
        None => 1,
    }
}

#[no_mangle]
pub extern "C" fn forward(input: i32, output: i32, batch: i32) -> i32 {
    let n = batch.max(0) as usize;
    let (x, y) = unsafe { (std::slice::from_raw_parts(input as *const f32, n * mlp::INPUT), std::slice::from_raw_parts_mut(output as *mut f32, n * mlp::CLASSES)) };
    MODEL.with(|s| match &*s.borrow() {
        Some(m) => {
            for (xi, yi) in x.chunks_exact(mlp::INPUT).zip(y.chunks_exact_mut(mlp::CLASSES)) {
                m.forward_one(xi, yi);
            }
            0
        }
        None => 2,
    })
}

/// Never called: an int8 dot product over `n` groups of eight i16 pairs at `a` and `b`, plus some
/// f32x4 arithmetic, so the file holds v128 and integer dot-product instructions.
#[no_mangle]
#[target_feature(enable = "simd128")]
pub extern "C" fn unused_simd(a: i32, b: i32, n: i32) -> i32 {
    let (mut acc, mut f) = (i32x4_splat(0), f32x4_splat(1.0));
    for i in 0..n.max(0) as usize {
        // SAFETY: never called; a caller would pass buffers of n × 16 bytes.
        let (va, vb) = unsafe { (v128_load((a as usize + 16 * i) as *const v128), v128_load((b as usize + 16 * i) as *const v128)) };
        acc = i32x4_add(acc, i32x4_dot_i16x8(va, vb));
        f = f32x4_mul(f32x4_add(f, f32x4_convert_i32x4(acc)), f32x4_splat(0.5));
    }
    let s = i32x4_add(acc, i32x4_trunc_sat_f32x4(f));
    i32x4_extract_lane::<0>(s) + i32x4_extract_lane::<1>(s) + i32x4_extract_lane::<2>(s) + i32x4_extract_lane::<3>(s)
}
