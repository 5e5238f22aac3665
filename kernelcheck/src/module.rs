//! Contestants' own WebAssembly kernels: the module is checked and read before anything runs it.
//!
//! The ABI (docs/custom-kernels.md): no imports; exports `memory`, `alloc(bytes: i32) -> i32`,
//! `load_weights(ptr: i32, len: i32) -> i32` and `forward(input: i32, output: i32, batch: i32) ->
//! i32` (status 0 = ok). [`inspect`] validates the module with `wasmparser`, refuses any import or a
//! missing or mistyped export, and counts what the innovation detector reports: SIMD (v128)
//! instructions and integer dot-product instructions.
use crate::instrument::{check, is_int_dot, is_simd, op_name};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType};

/// Largest module accepted.
pub const MAX_KERNEL_BYTES: usize = 8 << 20;

/// The exports the ABI requires, with their `(params, results)` counts of i32.
pub const REQUIRED_FUNCS: [(&str, usize, usize); 3] = [("alloc", 1, 1), ("load_weights", 2, 1), ("forward", 3, 1)];

/// What the module contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleReport {
    /// Size in bytes.
    pub bytes: usize,
    /// Lowercase hex SHA-256 of the module.
    pub sha256: String,
    /// Functions defined.
    pub functions: usize,
    /// Instructions in all function bodies.
    pub instructions: u64,
    /// SIMD (v128) instructions.
    pub simd_instructions: u64,
    /// Integer dot-product and widening-multiply SIMD instructions (`i32x4.dot_i16x8_s`, relaxed dots,
    /// `extmul`).
    pub int_dot_instructions: u64,
    /// Up to eight distinct SIMD instruction names seen, for the evidence line.
    pub simd_examples: Vec<String>,
    /// What the module *executed* in one checked call of an instrumented copy (the census; absent
    /// until the entry is run). Only this earns custom-kernel credit or a looser logit budget.
    #[serde(default)]
    pub executed: Option<crate::instrument::ExecutedOps>,
}

/// Validates and reads a contestant's module; see the module docs.
pub fn inspect(bytes: &[u8]) -> Result<ModuleReport> {
    check(bytes)?;
    let (mut types, mut funcs, mut exports, mut imports) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut report = ModuleReport { bytes: bytes.len(), sha256: crate::sha256_hex(bytes), functions: 0, instructions: 0, simd_instructions: 0, int_dot_instructions: 0, simd_examples: Vec::new(), executed: None };
    let bad = |e: wasmparser::BinaryReaderError| Error::format(format!("cannot read the module: {e}"));
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(bad)? {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    let f = ty.map_err(bad)?;
                    types.push((f.params().to_vec(), f.results().to_vec()));
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(bad)?;
                    let kind = match imp.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => "function",
                        TypeRef::Memory(_) => "memory",
                        TypeRef::Table(_) => "table",
                        TypeRef::Global(_) => "global",
                        _ => "item",
                    };
                    imports.push(format!("{kind} {}.{}", imp.module, imp.name));
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    funcs.push(t.map_err(bad)?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(bad)?;
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CodeSectionEntry(body) => {
                report.functions += 1;
                let mut ops = body.get_operators_reader().map_err(bad)?;
                while !ops.eof() {
                    let op = ops.read().map_err(bad)?;
                    report.instructions += 1;
                    let name = op_name(&op);
                    if is_simd(&name) {
                        report.simd_instructions += 1;
                        if is_int_dot(&name) {
                            report.int_dot_instructions += 1;
                        }
                        if report.simd_examples.len() < 8 && !report.simd_examples.contains(&name) {
                            report.simd_examples.push(name);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !imports.is_empty() {
        return Err(Error::format(format!("the module imports {}; kernels must be self-contained (no imports at all)", imports.join(", "))));
    }
    let mut missing = Vec::new();
    if !exports.iter().any(|(n, k, _)| n == "memory" && *k == ExternalKind::Memory) {
        missing.push("memory (a memory)".to_string());
    }
    for (name, params, results) in REQUIRED_FUNCS {
        let sig = exports.iter().find(|(n, k, _)| n == name && *k == ExternalKind::Func).and_then(|(_, _, i)| funcs.get(*i as usize)).and_then(|t| types.get(*t as usize));
        let ok = sig.is_some_and(|(p, r)| p.len() == params && r.len() == results && p.iter().chain(r).all(|v| *v == ValType::I32));
        if !ok {
            missing.push(format!("{name} (a function of {params} i32 → i32)"));
        }
    }
    if !missing.is_empty() {
        return Err(Error::format(format!("the module lacks the kernel ABI's exports: {}", missing.join(", "))));
    }
    Ok(report)
}
