//! Per-thread scratch buffers for kernels that need temporary space (quantized activations,
//! transposes, im2col), reused across calls so a forward pass does not allocate per layer.
use std::cell::RefCell;
use std::thread::LocalKey;

/// Runs `f` on the thread's scratch value in `key`. A re-entrant call (the slot is already borrowed;
/// impossible from the models, cheap to handle) gets a fresh value of its own instead of panicking.
pub fn with_scratch<T: Default + 'static, R>(key: &'static LocalKey<RefCell<T>>, f: impl FnOnce(&mut T) -> R) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => f(&mut v),
        Err(_) => f(&mut T::default()),
    })
}
