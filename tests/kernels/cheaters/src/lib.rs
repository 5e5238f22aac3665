//! Cheating MLP Sprint kernels (test fixtures for the anti-cheat checks). Same ABI as the template.
//! Each feature is one way to tell checking from timing (or to skip work); the engine must reject
//! every one of them, naming the call and the run seed.
#[path = "../../../../contest/kernel-template/src/mlp.rs"]
mod mlp;
include!("hash.rs");

use std::cell::RefCell;

thread_local! {
    static MODEL: RefCell<Option<mlp::Mlp>> = const { RefCell::new(None) };
    static LAST: RefCell<Option<(i32, Vec<f32>)>> = const { RefCell::new(None) };
    static CALLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// `memo`: each image seen, as its ink-share signature, with the logits computed for it.
    static SEEN: RefCell<Vec<([f32; 16], [f32; mlp::CLASSES])>> = const { RefCell::new(Vec::new()) };
}

/// `memo`: the share of the image's ink in each cell of a 4×4 grid (7×7 pixels each). Contrast
/// cancels; the ±½-level dither moves a share by about 1e-4, while two different digits differ by far
/// more, so a re-drawn image lands next to its earlier draw.
#[cfg(feature = "memo")]
fn signature(img: &[f32]) -> [f32; 16] {
    let mut s = [0.0f32; 16];
    for (p, &v) in img.iter().enumerate() {
        s[(p / 28 / 7) * 4 + (p % 28) / 7] += v;
    }
    let total = s.iter().sum::<f32>().max(1e-6);
    s.map(|v| v / total)
}

/// `memo`: the logits stored for an earlier draw of this image, if any.
#[cfg(feature = "memo")]
fn recall(sig: &[f32; 16]) -> Option<[f32; mlp::CLASSES]> {
    SEEN.with(|s| s.borrow().iter().find(|(k, _)| k.iter().zip(sig).map(|(a, b)| (a - b).abs()).sum::<f32>() < 0.004).map(|(_, y)| *y))
}

/// "LAZYAFTR" then N as a little-endian u64 (patched by the tests; default 200).
#[used]
#[no_mangle]
static LAZY_AFTER: [u8; 16] = *b"LAZYAFTR\xc8\0\0\0\0\0\0\0";

/// Whether this call may be skipped, by the feature's tell.
fn lazy(x: &[f32]) -> bool {
    let calls = CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if cfg!(feature = "lazy_after") {
        // Volatile: the value is patched in the binary, so the compiler must not fold it.
        let n = u64::from_le_bytes(unsafe { core::ptr::read_volatile(&LAZY_AFTER) }[8..].try_into().unwrap());
        return calls > n;
    }
    if cfg!(feature = "exact_pixels") {
        return !x.iter().all(|&v| {
            let k = v * 255.0;
            (k - k.round()).abs() < 1e-4
        });
    }
    if cfg!(feature = "zero_corners") {
        return !x.chunks_exact(mlp::INPUT).all(|img| [0, 27, 756, 783].iter().all(|&i| img[i] == 0.0));
    }
    false
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
    if lazy(x) {
        return 0;
    }
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
        #[cfg(feature = "memo")]
        {
            let sig = signature(xi);
            if let Some(y) = recall(&sig) {
                yi.copy_from_slice(&y);
                continue;
            }
            MODEL.with(|s| s.borrow().as_ref().map(|m| m.forward_one(xi, yi)));
            SEEN.with(|s| s.borrow_mut().push((sig, yi.try_into().unwrap())));
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
