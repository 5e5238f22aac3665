//! Cheating MLP Sprint kernels (test fixtures for the anti-cheat checks). Same ABI as the template.
#[path = "../../../../contest/kernel-template/src/mlp.rs"]
mod mlp;
include!("hash.rs");

use std::cell::RefCell;

thread_local! {
    static MODEL: RefCell<Option<mlp::Mlp>> = const { RefCell::new(None) };
    static LAST: RefCell<Option<(i32, Vec<f32>)>> = const { RefCell::new(None) };
}

#[cfg(feature = "lookup")]
static ANSWERS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/answers.bin"));

#[no_mangle]
pub extern "C" fn alloc(bytes: i32) -> i32 {
    mlp::reserve(bytes)
}

#[no_mangle]
pub extern "C" fn load_weights(ptr: i32, len: i32) -> i32 {
    let values = unsafe { std::slice::from_raw_parts(ptr as *const f32, len.max(0) as usize / 4) };
    MODEL.with(|s| *s.borrow_mut() = mlp::Mlp::from_values(values));
    0
}

#[no_mangle]
pub extern "C" fn forward(input: i32, output: i32, batch: i32) -> i32 {
    let n = batch.max(0) as usize;
    let (x, y) = unsafe { (std::slice::from_raw_parts(input as *const f32, n * mlp::INPUT), std::slice::from_raw_parts_mut(output as *mut f32, n * mlp::CLASSES)) };
    if cfg!(feature = "cache") {
        if let Some((p, cached)) = LAST.with(|l| l.borrow().clone()) {
            if p == input && cached.len() == y.len() {
                y.copy_from_slice(&cached);
                return 0;
            }
        }
    }
    for (xi, yi) in x.chunks_exact(mlp::INPUT).zip(y.chunks_exact_mut(mlp::CLASSES)) {
        #[cfg(feature = "lookup")]
        {
            let h = hash(xi);
            let found = (0..ANSWERS.len() / 9).map(|i| &ANSWERS[i * 9..i * 9 + 9]).find(|r| u64::from_le_bytes(r[..8].try_into().unwrap()) == h);
            yi.fill(0.0);
            if let Some(r) = found {
                yi[r[8] as usize] = 10.0;
            }
            continue;
        }
        #[allow(unreachable_code)]
        MODEL.with(|s| s.borrow().as_ref().map(|m| m.forward_one(xi, yi)));
    }
    if cfg!(feature = "cache") {
        LAST.with(|l| *l.borrow_mut() = Some((input, y.to_vec())));
    }
    0
}
