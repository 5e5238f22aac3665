//! The instrumentation pass behind the execution census (`format::wasm_instrument`): its output
//! validates, keeps every export, adds the counters, and counts each straight-line region statically
//! as documented. Modules are built here with wasm-encoder (the contest fixtures are wasm-layer
//! inputs; `tests/census.rs` runs them). Runs natively and in wasm.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

use tinymlperf::format::wasm_instrument::{self, classify_name, dot_macs, instrument, Counts, ExecutedOps, COUNTER_EXPORTS};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, Function, FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction as I, MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef, Validator};

const MEM: MemoryType = MemoryType { minimum: 1, maximum: None, memory64: false, shared: false, page_size_log2: None };

/// `sum(n)`: a counted loop inside a block, then its result.
fn loop_fn() -> Function {
    let mut f = Function::new([(1, ValType::I32)]);
    for i in [
        I::Block(BlockType::Empty), // region 0: [block]
        I::Loop(BlockType::Empty),  // region 1: [loop]
        I::LocalGet(1),             // region 2: the loop body, 9 instructions, 2 arithmetic
        I::LocalGet(0),
        I::I32Add,
        I::LocalSet(1),
        I::LocalGet(0),
        I::I32Const(1),
        I::I32Sub,
        I::LocalTee(0),
        I::BrIf(0),
        I::End, // region 3: [end] of the loop
        I::End, // region 4: [end] of the block
        I::LocalGet(1), // region 5: [local.get, end]
        I::End,
    ] {
        f.instruction(&i);
    }
    f
}

/// SIMD, an if/else, and dead code after `br`.
fn simd_fn() -> Function {
    let mut f = Function::new([]);
    for i in [
        // region 0: 13 instructions; arithmetic: relaxed dot, dot, extmul, f32x4.add, i32x4.extract_lane, i32.eqz = 6; v128: 5
        I::V128Const(1),
        I::V128Const(2),
        I::V128Const(3),
        I::I32x4RelaxedDotI8x16I7x16AddS,
        I::V128Const(4),
        I::I32x4DotI16x8S,
        I::V128Const(5),
        I::I16x8ExtMulLowI8x16S,
        I::V128Const(6),
        I::F32x4Add,
        I::I32x4ExtractLane(0),
        I::I32Eqz,
        I::If(BlockType::Empty),
        I::I32Const(0), // region 1: [i32.const, i32.load, drop, else]: no arithmetic
        I::I32Load(wasm_encoder::MemArg { offset: 0, align: 2, memory_index: 0 }),
        I::Drop,
        I::Else,
        I::Br(0),   // region 2: [br]
        I::F64Const(1.0.into()), // region 3 (dead): [f64.const, f64.neg, drop, end]
        I::F64Neg,
        I::Drop,
        I::End,
        I::End, // region 4: [end]
    ] {
        f.instruction(&i);
    }
    f
}

/// A module with the two functions above (exported as `sum` and `simd`), a memory, optionally a
/// mutable global (exported), an imported global, and no export section at all.
fn module(global: bool, import: bool, exports: bool) -> Vec<u8> {
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    types.ty().function([], []);
    m.section(&types);
    if import {
        let mut imp = ImportSection::new();
        imp.import("env", "g", EntityType::Global(GlobalType { val_type: ValType::I32, mutable: false, shared: false }));
        m.section(&imp);
    }
    let mut funcs = FunctionSection::new();
    funcs.function(0).function(1);
    m.section(&funcs);
    let mut mem = MemorySection::new();
    mem.memory(MEM);
    m.section(&mem);
    if global {
        let mut g = GlobalSection::new();
        g.global(GlobalType { val_type: ValType::I32, mutable: true, shared: false }, &ConstExpr::i32_const(1024));
        m.section(&g);
    }
    if exports {
        let mut e = ExportSection::new();
        e.export("memory", ExportKind::Memory, 0).export("sum", ExportKind::Func, 0).export("simd", ExportKind::Func, 1);
        if global {
            e.export("stack", ExportKind::Global, import as u32);
        }
        m.section(&e);
    }
    let mut code = CodeSection::new();
    code.function(&loop_fn()).function(&simd_fn());
    m.section(&code);
    m.finish()
}

/// One instruction: its name, the value of an `i64.const`, the index of a `global.get/set`.
type Op = (String, Option<i64>, Option<u32>);

/// Exports as `(name, kind, index)`, globals as `(type, mutable)` (imported first), every body's
/// instructions.
struct Read {
    exports: Vec<(String, ExternalKind, u32)>,
    globals: Vec<(wasmparser::ValType, bool)>,
    bodies: Vec<Vec<Op>>,
}

fn read(bytes: &[u8]) -> Read {
    let mut r = Read { exports: vec![], globals: vec![], bodies: vec![] };
    for p in Parser::new(0).parse_all(bytes) {
        match p.unwrap() {
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    if let TypeRef::Global(g) = imp.unwrap().ty {
                        r.globals.push((g.content_type, g.mutable));
                    }
                }
            }
            Payload::GlobalSection(s) => {
                for g in s {
                    let g = g.unwrap();
                    r.globals.push((g.ty.content_type, g.ty.mutable));
                }
            }
            Payload::ExportSection(s) => {
                for e in s {
                    let e = e.unwrap();
                    r.exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CodeSectionEntry(b) => {
                let mut ops = b.get_operators_reader().unwrap();
                let mut v = vec![];
                while !ops.eof() {
                    let op = ops.read().unwrap();
                    let value = if let Operator::I64Const { value } = op { Some(value) } else { None };
                    let global = match op {
                        Operator::GlobalGet { global_index } | Operator::GlobalSet { global_index } => Some(global_index),
                        _ => None,
                    };
                    v.push((wasm_instrument::op_name(&op), value, global));
                }
                r.bodies.push(v);
            }
            _ => {}
        }
    }
    r
}

fn counts(all: u64, arith: u64, v128: u64, dot: u64, dot_macs: u64) -> Counts {
    Counts { all, arith, v128, dot, dot_macs }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn regions_of_a_block_and_a_loop_are_counted_statically() {
    let regions = wasm_instrument::function_regions(&module(true, false, true)).unwrap();
    assert_eq!(regions.len(), 2);
    let alone = |n| counts(n, 0, 0, 0, 0);
    assert_eq!(regions[0], vec![alone(1), alone(1), counts(9, 2, 0, 0, 0), alone(1), alone(1), alone(2)], "block | loop | body ... br_if | end | end | local.get end");
    // dot 8 + extmul i16x8 8 + relaxed dot 16 multiplies.
    assert_eq!(regions[1], vec![counts(13, 6, 5, 3, 32), alone(4), alone(1), counts(4, 1, 0, 0, 0), alone(1)]);
    let total = wasm_instrument::static_counts(&module(true, false, true)).unwrap();
    assert_eq!(total, counts(15 + 23, 2 + 7, 5, 3, 32));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_classifier_matches_the_documented_rules() {
    for (name, arith, v128, macs) in [
        ("I32Add", true, false, 0),
        ("F64ConvertI32S", true, false, 0),
        ("I32Const", false, false, 0),
        ("I32Load", false, false, 0),
        ("LocalGet", false, false, 0),
        ("Call", false, false, 0),
        ("V128Load", false, false, 0),
        ("V128Store", false, false, 0),
        ("V128Const", false, false, 0),
        ("V128Load32Splat", false, false, 0),
        ("F32x4Mul", true, true, 0),
        ("I8x16Shuffle", true, true, 0),
        ("I32x4DotI16x8S", true, true, 8),
        ("I16x8RelaxedDotI8x16I7x16S", true, true, 16),
        ("I32x4RelaxedDotI8x16I7x16AddS", true, true, 16),
        ("I16x8ExtMulHighI8x16U", true, true, 8),
        ("I32x4ExtMulLowI16x8S", true, true, 4),
        ("I64x2ExtMulLowI32x4S", true, true, 2),
    ] {
        let c = classify_name(name);
        assert_eq!((c.arith, c.v128, c.dot_macs), (arith, v128, macs), "{name}");
        assert_eq!(dot_macs(name), macs);
    }
    for name in ["Block", "Loop", "If", "Else", "End", "Br", "BrIf", "BrTable", "Return", "ReturnCall", "Unreachable", "TryTable", "Throw"] {
        assert!(classify_name(name).ends_region, "{name}");
    }
    for name in ["Call", "CallIndirect", "I32Add", "LocalSet", "Drop", "Select"] {
        assert!(!classify_name(name).ends_region, "{name}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_instrumented_copy_validates_keeps_every_export_and_adds_the_counters() {
    for (global, import) in [(true, false), (false, false), (true, true), (false, true)] {
        let original = module(global, import, true);
        let out = instrument(&original).unwrap();
        Validator::new().validate_all(&out).unwrap();
        let (a, b) = (read(&original), read(&out));
        let base = a.globals.len() as u32;
        assert_eq!(b.exports[..a.exports.len()], a.exports[..], "the original exports first, unchanged");
        let added: Vec<_> = b.exports[a.exports.len()..].to_vec();
        let want: Vec<_> = COUNTER_EXPORTS.iter().enumerate().map(|(i, n)| (n.to_string(), ExternalKind::Global, base + i as u32)).collect();
        assert_eq!(added, want);
        assert_eq!(b.globals[..a.globals.len()], a.globals[..], "the module's own globals keep their indices");
        assert_eq!(b.globals[a.globals.len()..], [(wasmparser::ValType::I64, true); 5]);
        // The loop body (region 2) starts with the updates of `all` (9) and `arith` (2), then the body.
        let body = &b.bodies[0];
        let loop_at = body.iter().position(|o| o.0 == "Loop").unwrap();
        let upd: Vec<_> = body[loop_at + 1..loop_at + 9].iter().map(|o| (o.0.as_str(), o.1, o.2)).collect();
        assert_eq!(upd, [("GlobalGet", None, Some(base)), ("I64Const", Some(9), None), ("I64Add", None, None), ("GlobalSet", None, Some(base)), ("GlobalGet", None, Some(base + 1)), ("I64Const", Some(2), None), ("I64Add", None, None), ("GlobalSet", None, Some(base + 1))]);
        assert_eq!(body[loop_at + 9].0, "LocalGet", "then the original body");
        // The original instructions are all there, in order.
        for (orig, new) in [(&a.bodies[0], &b.bodies[0]), (&a.bodies[1], &b.bodies[1])] {
            let kept: Vec<&String> = new.iter().map(|o| &o.0).collect::<Vec<_>>();
            let mut it = kept.iter();
            assert!(orig.iter().all(|o| it.any(|n| **n == o.0)), "every original instruction, in order");
            let extra = new.len() - orig.len();
            assert_eq!(extra % 4, 0, "counter updates are 4 instructions each");
        }
        // The SIMD region adds all five counters: 13, 6, 5, 3 and 32.
        let consts: Vec<i64> = b.bodies[1].iter().take(20).filter_map(|o| o.1).collect();
        assert_eq!(consts, [13, 6, 5, 3, 32]);
    }
    // No export section and no global section: both are created.
    let out = instrument(&module(false, false, false)).unwrap();
    Validator::new().validate_all(&out).unwrap();
    let names: Vec<String> = read(&out).exports.into_iter().map(|e| e.0).collect();
    assert_eq!(names, COUNTER_EXPORTS);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn garbage_is_refused_with_a_clear_error() {
    let msg = |b: &[u8]| instrument(b).unwrap_err().to_string();
    assert!(msg(b"hello, world").contains("not a WebAssembly module"), "{}", msg(b"hello"));
    let good = module(true, false, true);
    assert!(msg(&good[..good.len() - 5]).contains("not valid WebAssembly"), "{}", msg(&good[..good.len() - 5]));
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] = 0xff; // the last `end` of the last body
    assert!(msg(&bad).contains("not valid WebAssembly"));
    assert!(msg(&vec![0u8; tinymlperf::format::wasm_module::MAX_KERNEL_BYTES + 1]).contains("over the limit"));
    // A module that already exports a counter name is refused rather than given a duplicate export.
    let mut m = Module::new();
    let mut g = GlobalSection::new();
    g.global(GlobalType { val_type: ValType::I64, mutable: true, shared: false }, &ConstExpr::i64_const(0));
    let mut e = ExportSection::new();
    e.export("tinymlperf_count_v128", ExportKind::Global, 0);
    m.section(&g).section(&e);
    let m = m.finish();
    assert!(msg(&m).contains("already exports 'tinymlperf_count_v128'"), "{}", msg(&m));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn executed_ops_per_call_and_evidence() {
    let e = ExecutedOps::from_counts(counts(4_000_000, 2_000_000, 1_900_000, 0, 0), 1, 64);
    assert_eq!((e.v128_per_call, e.arithmetic_per_call, e.batch), (1.9e6, 2e6, 64));
    assert!((e.v128_share - 0.95).abs() < 1e-12);
    assert_eq!(e.evidence(), "executed 1.9 M v128 operations per call (95% of its arithmetic), 0 integer dot products");
    let e = ExecutedOps::from_counts(counts(900_000, 500_000, 240_000, 24_000, 192_000), 2, 64);
    assert_eq!(e.int_dot_per_call, 12_000.0);
    assert_eq!(e.evidence(), "executed 120 k v128 operations per call (48% of its arithmetic), 12 k integer dot products (96 k multiply-adds)");
    let e = ExecutedOps::from_counts(Counts::default(), 1, 1);
    assert_eq!(e.evidence(), "executed 0 v128 operations per call (0% of its arithmetic), 0 integer dot products");
}
