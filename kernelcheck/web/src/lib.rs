//! The kernel reader ([`tinymlperf_kernelcheck`]) as the page's second module: `www/kernelcheck.js`
//! loads it in the worker only when a custom kernel is inspected or submitted, and the engine module
//! reaches it through `globalThis.tinymlperfKernelcheck` (src/wasm_api.rs). No wasm-bindgen: bytes go
//! in through `kc_alloc`, and each call leaves its result in one output buffer (`kc_out_ptr`,
//! `kc_out_len`) that the next call replaces.
//!
//! - `kc_inspect(ptr, len) -> 0`: the output is JSON, `{"ok": ModuleReport}` or
//!   `{"error": Error, "message": "…"}` (the message as the engine shows it).
//! - `kc_instrument(ptr, len)`: 0 and the counting copy's bytes, or 1 and that error JSON.
use std::cell::RefCell;
use tinymlperf_kernelcheck::{instrument, module, Error};

thread_local! {
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn set_out(bytes: Vec<u8>) {
    OUT.with(|o| *o.borrow_mut() = bytes);
}

fn error_json(e: &Error) -> Vec<u8> {
    serde_json::json!({ "error": e, "message": e.to_string() }).to_string().into_bytes()
}

/// `len` bytes for the caller to fill; freed by [`kc_free`] with the same `len`.
#[no_mangle]
pub extern "C" fn kc_alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// Frees what [`kc_alloc`] returned.
///
/// # Safety
/// `ptr` and `len` as [`kc_alloc`] returned and received them, freed once.
#[no_mangle]
pub unsafe extern "C" fn kc_free(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len.max(1)));
}

/// Reads the module in `ptr..ptr + len`; see the crate docs.
///
/// # Safety
/// `ptr..ptr + len` is a buffer from [`kc_alloc`] that the caller filled.
#[no_mangle]
pub unsafe extern "C" fn kc_inspect(ptr: *const u8, len: usize) -> u32 {
    let bytes = std::slice::from_raw_parts(ptr, len);
    set_out(match module::inspect(bytes) {
        Ok(report) => serde_json::json!({ "ok": report }).to_string().into_bytes(),
        Err(e) => error_json(&e),
    });
    0
}

/// The counting copy of the module in `ptr..ptr + len`; see the crate docs.
///
/// # Safety
/// As [`kc_inspect`].
#[no_mangle]
pub unsafe extern "C" fn kc_instrument(ptr: *const u8, len: usize) -> u32 {
    let bytes = std::slice::from_raw_parts(ptr, len);
    match instrument::instrument(bytes) {
        Ok(copy) => {
            set_out(copy);
            0
        }
        Err(e) => {
            set_out(error_json(&e));
            1
        }
    }
}

/// Where the last call's output starts.
#[no_mangle]
pub extern "C" fn kc_out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}

/// The last call's output length.
#[no_mangle]
pub extern "C" fn kc_out_len() -> usize {
    OUT.with(|o| o.borrow().len())
}
