//! Counting what a contestant's kernel *executes*, not what its file contains.
//!
//! [`crate::module::inspect`] counts SIMD and integer dot-product instructions
//! statically: a function full of SIMD that is never called would look like a SIMD kernel.
//! [`instrument`] returns a copy of the module that counts the instructions it executes, and
//! [`ExecutedOps`] turns the counters read after one `forward` call into per-call figures and an
//! evidence line for the innovation detector. The original module is never modified (timing runs it).
//!
//! How the copy counts: every function body is split into straight-line regions. A region starts at
//! the function's entry and right after every instruction that can transfer control (`block`,
//! `loop`, `if`, `else`, `end`, `br`, `br_if`, `br_table`, the `br_on_*` family, `return` and the
//! tail calls, `unreachable`, and the exception-handling instructions); code after an unconditional
//! transfer is a region of its own that never runs. Once a region is entered, each of its
//! instructions runs once (barring a trap), so at the start of each region the copy adds the
//! region's static counts to five mutable `i64` globals (`global.get; i64.const n; i64.add;
//! global.set`, only for the counters that are non-zero for the region). A region's counts include
//! the instruction that ends it. Calls do not end a region: the callee counts its own instructions.
//!
//! The counters are appended after the module's own globals (imported ones included), so no
//! existing global index shifts, and exported under [`COUNTER_EXPORTS`]:
//!
//! | export | counts |
//! |---|---|
//! | `tinymlperf_count_all` | every instruction (including the `end`s and the branches) |
//! | `tinymlperf_count_arith` | numeric instructions: i32/i64/f32/f64 and v128 arithmetic, bitwise, comparison and conversion ops (not loads, stores, constants, locals, globals, control or calls) |
//! | `tinymlperf_count_v128` | SIMD instructions except `v128` loads, stores and `v128.const` (lane ops and shuffles count) |
//! | `tinymlperf_count_dot` | integer dot-product / widening-multiply SIMD instructions (`i32x4.dot_i16x8_s`, relaxed dots, `extmul`), as `inspect` counts them |
//! | `tinymlperf_count_dot_macs` | the multiplies those perform ([`dot_macs`]): `i32x4.dot_i16x8_s` 8, `i16x8.relaxed_dot_i8x16_i7x16_s` 16, `i32x4.relaxed_dot_i8x16_i7x16_add_s` 16, `extmul` one per output lane (`i16x8` 8, `i32x4` 4, `i64x2` 2) |
//!
//! Instructions are classified by the name of their `wasmparser` operator (`format!("{op:?}")` up to
//! the first space or brace), like `inspect` does.
use crate::module::MAX_KERNEL_BYTES;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{ConstExpr, ExportKind, GlobalType, Instruction, SectionId, ValType};
use wasmparser::{Operator, Parser, Payload, Validator};

/// The exported counter globals, in the order of [`Counts::as_array`].
pub const COUNTER_EXPORTS: [&str; 5] = ["tinymlperf_count_all", "tinymlperf_count_arith", "tinymlperf_count_v128", "tinymlperf_count_dot", "tinymlperf_count_dot_macs"];

/// Static counts of a run of instructions (a region, a function, a module).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Every instruction.
    pub all: u64,
    /// Numeric instructions ([`OpClass::arith`]).
    pub arith: u64,
    /// SIMD arithmetic ([`OpClass::v128`]).
    pub v128: u64,
    /// Integer dot-product / widening-multiply instructions.
    pub dot: u64,
    /// Multiplies performed by those ([`dot_macs`]).
    pub dot_macs: u64,
}

impl Counts {
    /// Adds one instruction of class `c`.
    pub fn add(&mut self, c: OpClass) {
        self.all += 1;
        self.arith += c.arith as u64;
        self.v128 += c.v128 as u64;
        self.dot += (c.dot_macs > 0) as u64;
        self.dot_macs += c.dot_macs as u64;
    }

    /// The counts in [`COUNTER_EXPORTS`] order.
    pub fn as_array(&self) -> [u64; 5] {
        [self.all, self.arith, self.v128, self.dot, self.dot_macs]
    }

    /// From values in [`COUNTER_EXPORTS`] order.
    pub fn from_array(a: [u64; 5]) -> Self {
        Counts { all: a[0], arith: a[1], v128: a[2], dot: a[3], dot_macs: a[4] }
    }

    fn sum(&mut self, o: &Counts) {
        self.all += o.all;
        self.arith += o.arith;
        self.v128 += o.v128;
        self.dot += o.dot;
        self.dot_macs += o.dot_macs;
    }
}

/// What one instruction is, for the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpClass {
    /// Any SIMD instruction (the `is_simd` test of `wasm_module::inspect`, loads and stores included).
    pub simd: bool,
    /// Numeric: scalar or SIMD arithmetic, bitwise, comparison, conversion (no memory, constants,
    /// locals, globals, control, calls).
    pub arith: bool,
    /// SIMD arithmetic: SIMD other than `v128` loads, stores and `v128.const`.
    pub v128: bool,
    /// Multiplies performed when it is an integer dot product / widening multiply, else 0.
    pub dot_macs: u32,
    /// It may transfer control: the next instruction starts a new region.
    pub ends_region: bool,
}

/// The operator's name as `inspect` reads it: its `Debug` form up to the first space, brace or
/// parenthesis (`I32x4DotI16x8S`, `V128Load`, `Block`).
pub fn op_name(op: &Operator<'_>) -> String {
    let name = format!("{op:?}");
    let end = name.find([' ', '{', '(']).unwrap_or(name.len());
    name[..end].to_string()
}

/// SIMD instruction names, as `wasm_module::inspect` tells them.
pub fn is_simd(name: &str) -> bool {
    ["V128", "I8x16", "I16x8", "I32x4", "I64x2", "F32x4", "F64x2"].iter().any(|p| name.starts_with(p))
}

/// Integer dot product / widening multiply, as `wasm_module::inspect` tells them (a SIMD name
/// containing `Dot` or `ExtMul`).
pub fn is_int_dot(name: &str) -> bool {
    is_simd(name) && (name.contains("Dot") || name.contains("ExtMul"))
}

/// Multiplies an integer dot-product / widening-multiply instruction performs (0 for any other):
/// `i32x4.dot_i16x8_s` 8 (4 lanes × 2 products); `i16x8.relaxed_dot_i8x16_i7x16_s` and
/// `i32x4.relaxed_dot_i8x16_i7x16_add_s` 16 (one per i8 pair); `extmul_{low,high}` one per output
/// lane: `i16x8` 8, `i32x4` 4, `i64x2` 2. An unknown dot instruction counts 8.
pub fn dot_macs(name: &str) -> u32 {
    if !is_int_dot(name) {
        0
    } else if name.contains("DotI8x16") {
        16
    } else if name.contains("ExtMul") {
        match &name[..5] {
            "I16x8" => 8,
            "I32x4" => 4,
            "I64x2" => 2,
            _ => 8,
        }
    } else {
        8
    }
}

fn transfers_control(name: &str) -> bool {
    matches!(name, "Block" | "Loop" | "If" | "Else" | "End" | "Unreachable" | "Try" | "Catch" | "CatchAll" | "Delegate" | "Throw" | "ThrowRef" | "Rethrow")
        || ["Br", "Return", "TryTable", "Resume", "Suspend", "Switch"].iter().any(|p| name.starts_with(p))
}

/// Classifies an instruction by its name ([`op_name`]).
pub fn classify_name(name: &str) -> OpClass {
    let simd = is_simd(name);
    let scalar = ["I32", "I64", "F32", "F64"].iter().any(|p| name.starts_with(p)) && !simd;
    let memory_or_const = name.contains("Load") || name.contains("Store") || name.ends_with("Const") || name.contains("Atomic");
    OpClass { simd, arith: (simd || scalar) && !memory_or_const, v128: simd && !memory_or_const, dot_macs: dot_macs(name), ends_region: transfers_control(name) }
}

/// Classifies an instruction.
pub fn classify(op: &Operator<'_>) -> OpClass {
    classify_name(&op_name(op))
}

fn bad(e: wasmparser::BinaryReaderError) -> Error {
    Error::format(format!("cannot read the module: {e}"))
}

/// The regions of one function body: `(first byte, end byte, counts)`, offsets into the module.
fn body_regions(body: &wasmparser::FunctionBody<'_>) -> wasmparser::Result<Vec<(usize, usize, Counts)>> {
    let mut ops = body.get_operators_reader()?;
    let mut regions = Vec::new();
    let (mut start, mut cur) = (ops.original_position(), Counts::default());
    while !ops.eof() {
        let op = ops.read()?;
        let c = classify(&op);
        cur.add(c);
        if c.ends_region {
            let end = ops.original_position();
            regions.push((start, end, cur));
            (start, cur) = (end, Counts::default());
        }
    }
    let end = ops.original_position();
    if end > start {
        regions.push((start, end, cur));
    }
    Ok(regions)
}

/// Static counts of every region of every function body, in code-section order: what the
/// instrumented copy adds to its counters each time the region runs. The module must validate.
pub fn function_regions(bytes: &[u8]) -> Result<Vec<Vec<Counts>>> {
    check(bytes)?;
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload.map_err(bad)? {
            out.push(body_regions(&body).map_err(bad)?.into_iter().map(|r| r.2).collect());
        }
    }
    Ok(out)
}

/// Static counts of the whole module (every instruction once, whether it runs or not).
pub fn static_counts(bytes: &[u8]) -> Result<Counts> {
    let mut total = Counts::default();
    for f in function_regions(bytes)? {
        for r in &f {
            total.sum(r);
        }
    }
    Ok(total)
}

/// Size, magic and validation: what both [`instrument`] and [`crate::module::inspect`] refuse first.
pub(crate) fn check(bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_KERNEL_BYTES {
        return Err(Error::TooLarge { got: bytes.len() as u64, limit: MAX_KERNEL_BYTES as u64 });
    }
    if !bytes.starts_with(b"\0asm") {
        return Err(Error::format("this file is not a WebAssembly module (it does not start with \\0asm)"));
    }
    Validator::new().validate_all(bytes).map_err(|e| Error::format(format!("the module is not valid WebAssembly: {e}")))?;
    Ok(())
}

/// Position of a section in the module's section order.
fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Custom => 0,
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
    }
}

struct Instrumenter<'a> {
    data: &'a [u8],
    /// Index of the first counter global (imported + defined globals of the original module).
    base: u32,
    globals_done: bool,
    exports_done: bool,
}

impl Instrumenter<'_> {
    fn add_globals(&mut self, globals: &mut wasm_encoder::GlobalSection) {
        for _ in COUNTER_EXPORTS {
            globals.global(GlobalType { val_type: ValType::I64, mutable: true, shared: false }, &ConstExpr::i64_const(0));
        }
        self.globals_done = true;
    }

    fn add_exports(&mut self, exports: &mut wasm_encoder::ExportSection) {
        for (i, name) in COUNTER_EXPORTS.iter().enumerate() {
            exports.export(name, ExportKind::Global, self.base + i as u32);
        }
        self.exports_done = true;
    }
}

type ReError = reencode::Error<std::convert::Infallible>;

impl Reencode for Instrumenter<'_> {
    type Error = std::convert::Infallible;

    fn parse_global_section(&mut self, globals: &mut wasm_encoder::GlobalSection, section: wasmparser::GlobalSectionReader<'_>) -> std::result::Result<(), ReError> {
        reencode::utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        Ok(())
    }

    fn parse_export_section(&mut self, exports: &mut wasm_encoder::ExportSection, section: wasmparser::ExportSectionReader<'_>) -> std::result::Result<(), ReError> {
        reencode::utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        Ok(())
    }

    /// A module without a global or export section gets one, in its place in the section order.
    fn intersperse_section_hook(&mut self, module: &mut wasm_encoder::Module, _after: Option<SectionId>, before: Option<SectionId>) -> std::result::Result<(), ReError> {
        let past = |id: SectionId| before.is_none_or(|b| rank(b) > rank(id));
        if !self.globals_done && past(SectionId::Global) {
            let mut g = wasm_encoder::GlobalSection::new();
            self.add_globals(&mut g);
            module.section(&g);
        }
        if !self.exports_done && past(SectionId::Export) {
            let mut e = wasm_encoder::ExportSection::new();
            self.add_exports(&mut e);
            module.section(&e);
        }
        Ok(())
    }

    /// The body's bytes are copied verbatim, with the counter updates in front of every region.
    fn parse_function_body(&mut self, code: &mut wasm_encoder::CodeSection, body: wasmparser::FunctionBody<'_>) -> std::result::Result<(), ReError> {
        let mut f = self.new_function_with_parsed_locals(&body)?;
        let regions = body_regions(&body)?;
        for (start, end, counts) in regions {
            for (i, n) in counts.as_array().into_iter().enumerate() {
                if n > 0 {
                    let g = self.base + i as u32;
                    f.instruction(&Instruction::GlobalGet(g)).instruction(&Instruction::I64Const(n as i64)).instruction(&Instruction::I64Add).instruction(&Instruction::GlobalSet(g));
                }
            }
            f.raw(self.data[start..end].iter().copied());
        }
        code.function(&f);
        Ok(())
    }
}

/// A copy of the module (validated first, like `inspect`) that counts the instructions it executes
/// in five exported mutable `i64` globals ([`COUNTER_EXPORTS`]); see the module docs. Every export of
/// the original is kept. Refused: anything that is not a valid module, and a module that already
/// exports one of the counter names.
pub fn instrument(bytes: &[u8]) -> Result<Vec<u8>> {
    check(bytes)?;
    let mut base = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(bad)? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp.map_err(bad)?.ty, wasmparser::TypeRef::Global(_)) {
                        base += 1;
                    }
                }
            }
            Payload::GlobalSection(r) => base += r.count(),
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(bad)?;
                    if COUNTER_EXPORTS.contains(&e.name) {
                        return Err(Error::format(format!("the module already exports '{}', a name the instrumentation reserves", e.name)));
                    }
                }
            }
            _ => {}
        }
    }
    let mut inst = Instrumenter { data: bytes, base, globals_done: false, exports_done: false };
    let mut module = wasm_encoder::Module::new();
    inst.parse_core_module(&mut module, Parser::new(0), bytes).map_err(|e| match e {
        reencode::Error::ParseError(e) => bad(e),
        other => Error::format(format!("cannot instrument the module: {other}")),
    })?;
    let out = module.finish();
    Validator::new().validate_all(&out).map_err(|e| Error::format(format!("the instrumented copy of the module does not validate (a bug in the instrumentation): {e}")))?;
    Ok(out)
}

/// What a kernel executed, per `forward` call, read from an instrumented copy's counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutedOps {
    /// `forward` calls counted.
    pub calls: u64,
    /// Samples per call.
    pub batch: usize,
    /// Instructions executed per call.
    pub instructions_per_call: f64,
    /// Numeric (arithmetic, comparison, conversion) instructions per call.
    pub arithmetic_per_call: f64,
    /// SIMD arithmetic instructions per call.
    pub v128_per_call: f64,
    /// Integer dot-product / widening-multiply instructions per call.
    pub int_dot_per_call: f64,
    /// Multiplies those performed per call.
    pub int_dot_macs_per_call: f64,
    /// SIMD arithmetic / all arithmetic (0 when nothing arithmetic ran).
    pub v128_share: f64,
}

/// `1.9 M`, `250 k`, `12`.
fn human(x: f64) -> String {
    let (v, unit) = if x >= 1e9 {
        (x / 1e9, " G")
    } else if x >= 1e6 {
        (x / 1e6, " M")
    } else if x >= 1e3 {
        (x / 1e3, " k")
    } else {
        return format!("{x:.0}");
    };
    if v < 10.0 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.0}{unit}")
    }
}

impl ExecutedOps {
    /// Per-call figures from counter totals over `calls` calls of `batch` samples.
    pub fn from_counts(total: Counts, calls: u64, batch: usize) -> Self {
        let per = |v: u64| v as f64 / calls.max(1) as f64;
        ExecutedOps {
            calls,
            batch,
            instructions_per_call: per(total.all),
            arithmetic_per_call: per(total.arith),
            v128_per_call: per(total.v128),
            int_dot_per_call: per(total.dot),
            int_dot_macs_per_call: per(total.dot_macs),
            v128_share: if total.arith > 0 { total.v128 as f64 / total.arith as f64 } else { 0.0 },
        }
    }

    /// One line for the innovation evidence, e.g. "executed 1.9 M v128 operations per call (91% of
    /// its arithmetic), 0 integer dot products".
    pub fn evidence(&self) -> String {
        let dots = if self.int_dot_per_call > 0.0 { format!("{} integer dot products ({} multiply-adds)", human(self.int_dot_per_call), human(self.int_dot_macs_per_call)) } else { "0 integer dot products".to_string() };
        format!("executed {} v128 operations per call ({:.0}% of its arithmetic), {dots}", human(self.v128_per_call), self.v128_share * 100.0)
    }
}
