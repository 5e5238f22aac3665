//! Contestants' own WebAssembly kernels, run by the engine. The module is validated and read first
//! ([`crate::format::wasm_module::inspect`]: no imports, the ABI's exports), then compiled and
//! instantiated with an empty import object, given its weights through `alloc` + `load_weights`,
//! and called through `forward` exactly like any candidate: same batch size for checking and timing,
//! the same input and output buffers every call. A trap (out-of-bounds access, `unreachable`) or a
//! non-zero status becomes an error naming the call. A call that never returns cannot be stopped from
//! inside the thread running it: the page runs every entry in a dedicated Worker and terminates it
//! when a call exceeds its time limit.
//!
//! [`execution_census`] runs one `forward` call on an instrumented copy of the module
//! ([`crate::format::wasm_instrument`]) and reports what it executed; the original module, the one
//! timed, is never modified.
use crate::format::wasm_instrument::{self, Counts, ExecutedOps, COUNTER_EXPORTS};
use crate::format::wasm_module::ModuleReport;
use crate::format::Package;
use crate::kernels::Kernels;
use crate::models::{Input, Model};
use crate::profiler::benchmark::Candidate;
use crate::{Error, Result};
use js_sys::{Float32Array, Function, Object, Reflect, Uint32Array, Uint8Array, WebAssembly};
use wasm_bindgen::{JsCast, JsValue};

const KERNEL: &str = "WebAssembly kernel";

/// What reads a contestant's module before it runs: [`crate::format::wasm_module::inspect`] and
/// [`crate::format::wasm_instrument::instrument`]. Natively [`Direct`] calls them; the page's engine
/// module does not carry them, and reaches them in the kernel reader's own module through JavaScript
/// (`wasm_api`, `www/kernelcheck.js`), loaded only when a custom kernel is submitted.
pub trait KernelCheck {
    /// The module's report; an error when it is not an acceptable kernel.
    fn inspect(&self, wasm: &[u8]) -> Result<ModuleReport>;
    /// The counting copy of the module.
    fn instrument(&self, wasm: &[u8]) -> Result<Vec<u8>>;
}

/// The kernel reader called directly (native code and tests).
pub struct Direct;

impl KernelCheck for Direct {
    fn inspect(&self, wasm: &[u8]) -> Result<ModuleReport> {
        Ok(crate::format::wasm_module::inspect(wasm)?)
    }
    fn instrument(&self, wasm: &[u8]) -> Result<Vec<u8>> {
        Ok(wasm_instrument::instrument(wasm)?)
    }
}

/// The weights a kernel receives: every tensor of the package in name order, each as little-endian
/// f32 values (the layout of a safetensors data section of an F32 package).
pub fn weights_blob(p: &Package) -> Vec<u8> {
    p.tensors().flat_map(|(_, t)| t.data.iter().flat_map(|v| v.to_le_bytes())).collect()
}

fn js_message(e: &JsValue) -> String {
    Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()).or_else(|| e.as_string()).unwrap_or_else(|| format!("{e:?}"))
}

/// An instantiated kernel.
pub struct WasmKernel {
    /// The instance's exports (the census reads its counter globals there).
    exports: Object,
    memory: WebAssembly::Memory,
    forward: Function,
    in_ptr: u32,
    out_ptr: u32,
    batch: usize,
    input_len: usize,
    classes: usize,
    /// What the module contains.
    pub module: ModuleReport,
    /// The model whose weights it was given (for memory figures).
    pub model: Model,
    weight_bytes: u64,
    /// The compiled module and the weights it was given, for a fresh instance
    /// ([`Candidate::fresh_instance`]).
    compiled: WebAssembly::Module,
    blob: std::rc::Rc<[u8]>,
}

fn export_fn(exports: &Object, name: &str) -> Result<Function> {
    Reflect::get(exports, &name.into()).ok().and_then(|f| f.dyn_into::<Function>().ok()).ok_or_else(|| Error::format(KERNEL, format!("export '{name}' is not a function")))
}

fn call_i32(f: &Function, what: &str, args: &[u32]) -> Result<i32> {
    let a: Vec<JsValue> = args.iter().map(|&v| JsValue::from(v)).collect();
    let r = match a.len() {
        1 => f.call1(&JsValue::NULL, &a[0]),
        2 => f.call2(&JsValue::NULL, &a[0], &a[1]),
        _ => f.call3(&JsValue::NULL, &a[0], &a[1], &a[2]),
    };
    let v = r.map_err(|e| Error::format(KERNEL, format!("{what} trapped: {}", js_message(&e))))?;
    v.as_f64().map(|x| x as i32).ok_or_else(|| Error::format(KERNEL, format!("{what} returned a non-number")))
}

impl WasmKernel {
    /// Compiles and instantiates `bytes` (already inspected), loads the weights of `package`, and
    /// reserves input and output buffers for `batch`-sample calls.
    pub fn instantiate(bytes: &[u8], module: ModuleReport, package: &Package, model: Model, batch: usize) -> Result<Self> {
        let m = WebAssembly::Module::new(&Uint8Array::from(bytes).into()).map_err(|e| Error::format(KERNEL, format!("does not compile: {}", js_message(&e))))?;
        Self::instantiate_compiled(m, module, weights_blob(package).into(), model, batch)
    }

    fn instantiate_compiled(m: WebAssembly::Module, module: ModuleReport, blob: std::rc::Rc<[u8]>, model: Model, batch: usize) -> Result<Self> {
        let instance = WebAssembly::Instance::new(&m, &Object::new()).map_err(|e| Error::format(KERNEL, format!("does not instantiate: {}", js_message(&e))))?;
        let exports: Object = instance.exports();
        let memory: WebAssembly::Memory = Reflect::get(&exports, &"memory".into()).ok().and_then(|m| m.dyn_into().ok()).ok_or_else(|| Error::format(KERNEL, "export 'memory' is not a memory"))?;
        let (alloc, load, forward) = (export_fn(&exports, "alloc")?, export_fn(&exports, "load_weights")?, export_fn(&exports, "forward")?);
        let (input_len, classes) = (model.input_len(), model.classes());
        let mut k = WasmKernel { exports, memory, forward, in_ptr: 0, out_ptr: 0, batch, input_len, classes, module, model, weight_bytes: blob.len() as u64, compiled: m, blob: blob.clone() };
        let alloc_of = |bytes: usize, what: &str| -> Result<u32> {
            let p = call_i32(&alloc, &format!("alloc({bytes}) for {what}"), &[bytes as u32])? as u32;
            if p == 0 || p % 4 != 0 {
                return Err(Error::format(KERNEL, format!("alloc({bytes}) for {what} returned {p}; it must return a non-zero, 4-byte-aligned address")));
            }
            Ok(p)
        };
        let wptr = alloc_of(blob.len(), "the weights")?;
        k.view_u8(wptr, blob.len())?.copy_from(&blob);
        let status = call_i32(&load, "load_weights", &[wptr, blob.len() as u32])?;
        if status != 0 {
            return Err(Error::format(KERNEL, format!("load_weights returned status {status} for {} bytes of weights", blob.len())));
        }
        k.in_ptr = alloc_of(batch * input_len * 4, "the input")?;
        k.out_ptr = alloc_of(batch * classes * 4, "the output")?;
        Ok(k)
    }

    fn check_range(&self, ptr: u32, bytes: usize) -> Result<JsValue> {
        let buffer = self.memory.buffer();
        let size = Reflect::get(&buffer, &"byteLength".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as usize;
        if ptr as usize + bytes > size {
            return Err(Error::format(KERNEL, format!("buffer at {ptr} of {bytes} bytes lies outside the module's {size}-byte memory")));
        }
        Ok(buffer)
    }

    fn view_u8(&self, ptr: u32, len: usize) -> Result<Uint8Array> {
        let b = self.check_range(ptr, len)?;
        Ok(Uint8Array::new_with_byte_offset_and_length(&b, ptr, len as u32))
    }
}

/// The counter globals of an instrumented instance, in [`COUNTER_EXPORTS`] order.
fn counter_globals(exports: &Object) -> Result<Vec<JsValue>> {
    COUNTER_EXPORTS
        .iter()
        .map(|name| {
            let g = Reflect::get(exports, &(*name).into()).ok().filter(|g| g.is_object());
            g.ok_or_else(|| Error::format(KERNEL, format!("the instrumented copy has no global '{name}'")))
        })
        .collect()
}

fn read_counters(globals: &[JsValue]) -> Result<Counts> {
    let mut a = [0u64; 5];
    for (v, (g, name)) in a.iter_mut().zip(globals.iter().zip(COUNTER_EXPORTS)) {
        // An i64 global's value is a BigInt.
        let value = Reflect::get(g, &"value".into()).map_err(|e| Error::format(KERNEL, format!("cannot read counter {name}: {}", js_message(&e))))?;
        *v = u64::try_from(value).map_err(|_| Error::format(KERNEL, format!("counter {name} is not a 64-bit integer")))?;
    }
    Ok(Counts::from_array(a))
}

/// The execution census: instruments `wasm` ([`wasm_instrument::instrument`]), instantiates the copy
/// exactly as [`WasmKernel::instantiate`] does (weights of `package` loaded, buffers for `batch`
/// samples), resets the counters after `load_weights`, runs ONE `forward` call on `input`
/// (`batch` samples) and returns what that call executed with the logits it wrote. `module` is the
/// report of `inspect` on the original `wasm`. The original module is not touched.
pub fn execution_census(wasm: &[u8], module: ModuleReport, package: &Package, model: Model, batch: usize, input: Input<'_>) -> Result<(ExecutedOps, Vec<f32>)> {
    execution_census_after(&wasm_instrument::instrument(wasm)?, module, package, model, batch, &[], input)
}

/// [`execution_census`] of the call that follows `warmup` uncounted calls, so a module cannot tell
/// the counted call by its position (the engine draws how many from the run's seed). `copy` is the
/// instrumented module ([`KernelCheck::instrument`]).
pub fn execution_census_after(copy: &[u8], module: ModuleReport, package: &Package, model: Model, batch: usize, warmup: &[crate::models::OwnedInput], input: Input<'_>) -> Result<(ExecutedOps, Vec<f32>)> {
    let k = WasmKernel::instantiate(copy, module, package, model, batch)?;
    for x in warmup {
        k.forward(x.as_input(), batch)?;
    }
    let globals = counter_globals(&k.exports)?;
    for (g, name) in globals.iter().zip(COUNTER_EXPORTS) {
        Reflect::set(g, &"value".into(), &JsValue::from(0u64)).map_err(|e| Error::format(KERNEL, format!("cannot reset counter {name}: {}", js_message(&e))))?;
    }
    let logits = k.forward(input, batch)?;
    Ok((ExecutedOps::from_counts(read_counters(&globals)?, 1, batch), logits))
}

impl Candidate for WasmKernel {
    fn forward(&self, input: Input<'_>, batch: usize) -> Result<Vec<f32>> {
        if batch != self.batch {
            return Err(Error::format(KERNEL, format!("called with batch {batch}, buffers are for {}", self.batch)));
        }
        let n = batch * self.input_len;
        // Views are made afresh each call: a kernel that grows its memory detaches old ones.
        let b = self.check_range(self.in_ptr, n * 4)?;
        match input {
            Input::Pixels(x) => Float32Array::new_with_byte_offset_and_length(&b, self.in_ptr, n as u32).copy_from(&x[..n]),
            Input::Tokens(t) => Uint32Array::new_with_byte_offset_and_length(&b, self.in_ptr, n as u32).copy_from(&t[..n]),
        }
        let status = call_i32(&self.forward, "forward", &[self.in_ptr, self.out_ptr, batch as u32])?;
        if status != 0 {
            return Err(Error::format(KERNEL, format!("forward returned status {status}")));
        }
        let m = batch * self.classes;
        let b = self.check_range(self.out_ptr, m * 4)?;
        let mut out = vec![0.0f32; m];
        Float32Array::new_with_byte_offset_and_length(&b, self.out_ptr, m as u32).copy_to(&mut out);
        Ok(out)
    }
    fn kernels_name(&self) -> String {
        format!("custom wasm {}", &self.module.sha256[..12])
    }
    fn as_model(&self) -> Option<(&Model, &Kernels)> {
        None
    }
    fn weight_bytes(&self) -> u64 {
        self.weight_bytes
    }
    fn peak_activation_bytes(&self, batch: usize) -> u64 {
        self.model.peak_activation_bytes(batch)
    }
    fn keeps_state(&self) -> bool {
        true
    }
    fn fresh_instance(&self) -> Option<Result<Box<dyn Candidate>>> {
        Some(Self::instantiate_compiled(self.compiled.clone(), self.module.clone(), self.blob.clone(), self.model.clone(), self.batch).map(|k| Box::new(k) as Box<dyn Candidate>))
    }
}
