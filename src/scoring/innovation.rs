//! Innovation detected from the artifact itself: the package's tensors (dtypes, zeros, sizes), the
//! model built from it (parameters, activation plan) and the kernel table it runs on. Every technique
//! comes with evidence a person can check; the free-text description only ever *confirms* a detected
//! technique, it never scores on its own.
//!
//! Points (the sum is capped at 1):
//!
//! | technique | points | detected when |
//! |---|---|---|
//! | quantization | 0.30 × Σ share·factor | weight tensors stored as int8/uint8 (factor 1), or as int16/fp16/bf16 where the reference stores that tensor in 32 bits (factor 0.5; the committed reference weights are fp16, so re-storing them in 16 bits earns nothing) |
//! | pruning | 0.25 × min(1, s/0.8) + 0.05 if structured | s ≥ 5% of the reference's nonzero weights pruned: s = 1 − nnz / min(size, nnz of the reference) over the weight tensors (zeros padded around the reference's weights are not pruning) |
//! | distillation | 0.20 × min(1, (1 − p)/0.5) | fewer than 90% of the reference's parameters (ratio p) *and* the gate passed |
//! | custom kernels | 0.10 + 0.05 | the entry's own module *executed* SIMD carrying ≥ 25% of its arithmetic in a checked call (0.10); its executed integer dot products did ≥ 25% of the model's multiply-adds, or a built-in INT8/sparse table runs the entry's own int8/pruned layers and those do ≥ 25% of the model's multiply-adds (0.05; the sparse table also needs the pruning above). Built-in tables earn no SIMD credit |
//! | memory | 0.10 × min(1, (1 − r)/0.5) | peak activation bytes below the reference's (ratio r < 0.95) |
//! | compression | 0.10 × min(1, (1 − r)/0.75) | stored weight bytes below 90% of the reference's (ratio r) |
use super::Division;
use crate::format::{dtype_name, Dtype, Package};
use crate::kernels::Kernels;
use crate::models::{weight_bytes, Model};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Each technique's most points, by id (the detector's own maxima; an import is checked against them).
pub const MAX_POINTS: [(&str, f64); 6] = [("quantization", 0.30), ("pruning", 0.30), ("distillation", 0.20), ("custom_kernels", 0.15), ("memory", 0.10), ("compression", 0.10)];

/// The most points technique `id` can earn, if it is one.
pub fn max_points(id: &str) -> Option<f64> {
    MAX_POINTS.iter().find(|(t, _)| *t == id).map(|(_, m)| *m)
}

/// One technique's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Technique {
    /// Stable id (`quantization`, `pruning`, `distillation`, `custom_kernels`, `memory`, `compression`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether the artifact shows it.
    pub detected: bool,
    /// Points earned.
    pub points: f64,
    /// Most points it can earn.
    pub max_points: f64,
    /// What was seen, line by line.
    pub evidence: Vec<String>,
}

/// The detector's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Innovation {
    /// Sum of points, capped at 1.
    pub score: f64,
    /// Every technique, detected or not.
    pub techniques: Vec<Technique>,
    /// Techniques the description claims that the artifact does not show (scored 0).
    pub claimed_not_detected: Vec<String>,
}

/// What the detector reads.
pub struct Artifact<'a> {
    /// The entry's package.
    pub package: &'a Package,
    /// The model built from it.
    pub model: &'a Model,
    /// The kernel table it runs on.
    pub kernels: &'a Kernels,
    /// The event's reference model.
    pub reference: &'a Model,
    /// The gate's verdict, once accuracy is known (`None` when inspecting before a run).
    pub division: Option<Division>,
    /// The entry's description (only confirms).
    pub description: &'a str,
    /// Samples per timed call (for the activation plan).
    pub batch: usize,
    /// The contestant's own WebAssembly module, when the entry brings one (it then runs instead of
    /// the kernel table).
    pub module: Option<&'a crate::format::wasm_module::ModuleReport>,
}

/// Keywords by technique id: a description mentioning one *claims* that technique.
const CLAIMS: [(&str, &[&str]); 6] = [
    ("quantization", &["quantiz", "quantis", "int8", "int4", "fp16", "bf16", "8-bit", "8 bit"]),
    ("pruning", &["prun", "sparse", "sparsity"]),
    ("distillation", &["distil", "student", "teacher"]),
    ("custom_kernels", &["simd", "kernel", "vectoriz", "vectoris"]),
    ("memory", &["memory", "activation buffer", "in-place", "in place"]),
    ("compression", &["compress", "smaller file", "model size"]),
];

fn claimed(description: &str, id: &str) -> bool {
    let d = description.to_lowercase();
    CLAIMS.iter().find(|(t, _)| *t == id).is_some_and(|(_, words)| words.iter().any(|w| d.contains(w)))
}

/// Weight tensors: 2-D or more and named `*.weight` (dense, conv and embedding matrices; not norms).
pub fn weight_tensors(p: &Package) -> Vec<(&str, &crate::format::Tensor)> {
    p.tensors().filter(|(n, t)| n.ends_with(".weight") && t.shape.len() >= 2).collect()
}

/// Fraction of zeros that sit in all-zero groups of 8 consecutive output rows at one input (the 1×8
/// blocks the sparse kernel skips), or in all-zero output rows.
fn structured_share(t: &crate::format::Tensor) -> f64 {
    let out = t.shape[0];
    let inner: usize = t.shape[1..].iter().product();
    let zeros = t.data.iter().filter(|v| **v == 0.0).count();
    if zeros == 0 {
        return 0.0;
    }
    let mut in_groups = 0usize;
    for g in (0..out).step_by(8) {
        let rows = (g + 8).min(out) - g;
        for i in 0..inner {
            if (g..g + rows).all(|o| t.data[o * inner + i] == 0.0) {
                in_groups += rows;
            }
        }
    }
    let zero_rows = (0..out).filter(|&o| t.data[o * inner..(o + 1) * inner].iter().all(|v| *v == 0.0)).count() * inner;
    in_groups.max(zero_rows) as f64 / zeros as f64
}

fn technique(id: &str, name: &str) -> Technique {
    Technique { id: id.into(), name: name.into(), detected: false, points: 0.0, max_points: max_points(id).unwrap_or(0.0), evidence: Vec::new() }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn quantization(a: &Artifact<'_>, reference_package: &Package) -> Technique {
    let mut t = technique("quantization", "Quantization");
    let weights = weight_tensors(a.package);
    let total: usize = weights.iter().map(|(_, w)| w.data.len()).sum();
    let mut by_dtype: BTreeMap<&'static str, (usize, Vec<&str>, f64)> = BTreeMap::new();
    for (name, w) in &weights {
        let wide_reference = reference_package.get(name).is_some_and(|r| r.dtype.size() >= 4);
        let factor = match w.dtype {
            Dtype::I8 | Dtype::U8 => 1.0,
            Dtype::I16 | Dtype::F16 | Dtype::BF16 if wide_reference => 0.5,
            _ => 0.0,
        };
        let e = by_dtype.entry(dtype_name(w.dtype)).or_insert((0, Vec::new(), factor));
        e.0 += w.data.len();
        e.1.push(name);
    }
    let mut points = 0.0;
    for (dtype, (count, names, factor)) in &by_dtype {
        let share = *count as f64 / total.max(1) as f64;
        if *factor > 0.0 {
            points += 0.30 * share * factor;
            t.evidence.push(format!("{dtype}: {} of weights ({count} of {total} values) in {}", pct(share), names.join(", ")));
        } else if *dtype != "f32" && *dtype != "f64" {
            t.evidence.push(format!("{dtype}: {} of weights in {}, no narrower than the reference's own storage (no points)", pct(share), names.join(", ")));
        }
    }
    if points > 0.0 {
        let int8_layers = a.model.int8_layers();
        if !int8_layers.is_empty() {
            let runs = if a.kernels.name == "int8" && a.module.is_none() { "so the INT8 kernels run them".to_string() } else { format!("but the entry runs them dequantized (kernel table '{}')", a.kernels.name) };
            t.evidence.push(format!("calibrated input scales for {} layer(s), {runs}: {}", int8_layers.len(), int8_layers.join(", ")));
        }
        t.detected = true;
        t.points = points;
    } else {
        t.evidence.push(format!("every weight tensor is {}", by_dtype.keys().copied().collect::<Vec<_>>().join("/")));
    }
    t
}

fn zero_share(p: &Package) -> (usize, usize) {
    weight_tensors(p).iter().fold((0, 0), |(z, n), (_, t)| (z + t.data.iter().filter(|v| **v == 0.0).count(), n + t.data.len()))
}

/// Share of the reference's nonzero weights the entry does without: `1 − nnz / min(size, nnz_ref)`
/// over the weight tensors, from the package's `(zeros, total)` and the reference's nonzero count.
/// Counted against the reference, not the entry's own size: a model padded with zero (or dead) units
/// keeps every weight the reference has and has pruned nothing, however many zeros it holds. A
/// smaller model (a distilled student) is measured against its own size, so being smaller is not
/// counted as pruning too.
fn pruned_share((zeros, total): (usize, usize), reference_nonzeros: usize) -> f64 {
    let nnz = total - zeros;
    (1.0 - nnz as f64 / total.min(reference_nonzeros).max(1) as f64).max(0.0)
}

/// `(zeros, total)`: the entry's weight-tensor counts ([`zero_share`]).
fn pruning(a: &Artifact<'_>, (zeros, total): (usize, usize), reference_nonzeros: usize) -> Technique {
    let mut t = technique("pruning", "Pruning");
    let s = pruned_share((zeros, total), reference_nonzeros);
    if s >= MIN_PRUNED {
        let mut structured_zeros = 0.0;
        for (name, w) in weight_tensors(a.package) {
            let z = w.data.iter().filter(|v| **v == 0.0).count();
            if z * 20 >= w.data.len() {
                let st = structured_share(w);
                structured_zeros += st * z as f64;
                t.evidence.push(format!("{name}: {} zeros ({})", pct(z as f64 / w.data.len() as f64), if st >= 0.5 { format!("structured: {} in 1×8 blocks or whole rows", pct(st)) } else { "unstructured".into() }));
            }
        }
        let structured = structured_zeros / zeros.max(1) as f64 >= 0.5;
        t.detected = true;
        t.points = 0.25 * (s / 0.8).min(1.0) + if structured { 0.05 } else { 0.0 };
        t.evidence.insert(0, format!("{} of all weights are exactly zero ({} of the reference's weights pruned){}", pct(zeros as f64 / total.max(1) as f64), pct(s), if structured { ", mostly structured" } else { "" }));
    } else if zeros * 20 >= total {
        t.evidence.push(format!("{} of weights are zero, but the entry keeps {} nonzero weights and the reference has {}: zeros added around the reference's weights are not pruning", pct(zeros as f64 / total.max(1) as f64), total - zeros, reference_nonzeros));
    } else {
        t.evidence.push(format!("{} of weights are zero: no pruning", pct(zeros as f64 / total.max(1) as f64)));
    }
    t
}

fn distillation(a: &Artifact<'_>) -> Technique {
    let mut t = technique("distillation", "Distillation");
    let (p, r) = (a.model.param_count(), a.reference.param_count());
    let ratio = p as f64 / r.max(1) as f64;
    if ratio < 0.9 {
        match a.division {
            Some(Division::Closed) => {
                t.detected = true;
                t.points = 0.20 * ((1.0 - ratio) / 0.5).min(1.0);
                t.evidence.push(format!("{} has {p} parameters, {} of the reference's {r} ({}), and passes the accuracy gate", a.model.variant(), pct(ratio), a.reference.variant()));
            }
            Some(Division::Open) => t.evidence.push(format!("{p} parameters ({} of the reference) but the accuracy gate failed, so no credit", pct(ratio))),
            None => t.evidence.push(format!("{p} parameters ({} of the reference): credited if it passes the accuracy gate", pct(ratio))),
        }
    } else {
        t.evidence.push(format!("{p} parameters, the reference's architecture"));
    }
    t
}

/// Executed v128 arithmetic must carry at least this share of a module's executed arithmetic to earn
/// custom-kernel credit (a token SIMD instruction in a scalar loop does not).
pub const MIN_V128_SHARE: f64 = 0.25;
/// Executed integer dot products must perform at least this share of the model's multiply-adds to
/// earn the integer-kernel points and the INT8 logit budget; so must the layers a built-in INT8 or
/// sparse table runs on the entry's own int8 or pruned weights, for the same points.
pub const MIN_INT_DOT_SHARE: f64 = 0.25;

/// Share of the model's multiply-adds per call that a module's executed integer dot products
/// performed.
pub fn int_dot_share(x: &crate::format::wasm_instrument::ExecutedOps, model: &Model, batch: usize) -> f64 {
    let macs = model.flops_per_inference() as f64 / 2.0 * batch.max(1) as f64;
    x.int_dot_macs_per_call / macs.max(1.0)
}

/// Least share of the reference's weights an entry must prune to earn pruning points (and, on the
/// sparse table, its kernel points).
pub const MIN_PRUNED: f64 = 0.05;

fn custom_kernels(a: &Artifact<'_>, pruned: f64) -> Technique {
    let mut t = technique("custom_kernels", "Custom kernels");
    if let Some(m) = a.module {
        t.evidence.push(format!("own WebAssembly module {} ({} bytes, {} functions, {} instructions)", &m.sha256[..12], m.bytes, m.functions, m.instructions));
        if m.simd_instructions > 0 {
            t.evidence.push(format!("the file holds {} SIMD (v128) and {} integer dot-product instructions; only executed ones count", m.simd_instructions, m.int_dot_instructions));
        }
        let Some(x) = &m.executed else {
            t.evidence.push("not run under the instruction census: no credit".into());
            return t;
        };
        t.evidence.push(x.evidence());
        if x.v128_per_call > 0.0 && x.v128_share >= MIN_V128_SHARE {
            t.detected = true;
            t.points = 0.10;
        } else if x.v128_per_call > 0.0 {
            t.evidence.push(format!("SIMD carries {} of the executed arithmetic, under the {} needed for credit", pct(x.v128_share), pct(MIN_V128_SHARE)));
        } else {
            t.evidence.push("no SIMD instruction ran: a scalar kernel".into());
        }
        let dots = int_dot_share(x, a.model, a.batch);
        if dots >= MIN_INT_DOT_SHARE {
            t.detected = true;
            t.points += 0.05;
            t.evidence.push(format!("integer dot products performed {} of the model's multiply-adds", pct(dots)));
        } else if x.int_dot_per_call > 0.0 {
            t.evidence.push(format!("integer dot products performed only {} of the model's multiply-adds (credit from {})", pct(dots), pct(MIN_INT_DOT_SHARE)));
        }
        return t;
    }
    // The built-in tables are the engine's own work: choosing one earns speed, not innovation. An
    // INT8 or sparse table earns points only for running weights the entry itself quantized or pruned,
    // and only when those layers do a real share of the work: the floor a contestant's own integer dot
    // products face (one classifier layer of 64×10 weights is 0.6% of the MLP's multiply-adds).
    let mut m = a.model.clone();
    let convs = m.convs_mut().len();
    let layers = m.linears_mut();
    let n = layers.len();
    let sparse: Vec<String> = layers.into_iter().filter(|(_, l)| l.weight.sparse.is_some()).map(|(name, _)| name).collect();
    let int8 = a.model.int8_layers();
    let (flops, total) = (a.model.layer_flops(), a.model.flops_per_inference() as f64);
    let share = |names: &[String]| flops.iter().filter(|(l, _)| names.contains(l)).map(|(_, f)| *f as f64).sum::<f64>() / total.max(1.0);
    let special = match a.kernels.name {
        "int8" if !int8.is_empty() => Some((format!("INT8 kernels run {} of {} dense and convolution layers on the entry's int8 weights", int8.len(), n + convs), share(&int8))),
        "sparse" if !sparse.is_empty() && pruned < MIN_PRUNED => {
            t.evidence.push(format!("sparse kernels run {} of {n} dense layers, but the entry prunes only {} of the reference's weights (credit from {}): no credit", sparse.len(), pct(pruned), pct(MIN_PRUNED)));
            return t;
        }
        "sparse" if !sparse.is_empty() => Some((format!("sparse kernels run {} of {n} dense layers on the entry's pruned weights", sparse.len()), share(&sparse))),
        _ => None,
    };
    match special {
        Some((line, s)) if s >= MIN_INT_DOT_SHARE => {
            t.detected = true;
            t.points = 0.05;
            t.evidence.push(format!("{line}, {} of the model's multiply-adds", pct(s)));
        }
        Some((line, s)) => t.evidence.push(format!("{line}, only {} of the model's multiply-adds (credit from {})", pct(s), pct(MIN_INT_DOT_SHARE))),
        None => t.evidence.push(format!("built-in kernel table '{}': the engine's own kernels earn speed, not innovation", a.kernels.name)),
    }
    t
}

fn memory(a: &Artifact<'_>) -> Technique {
    let mut t = technique("memory", "Memory optimization");
    let (m, r) = (a.model.peak_activation_bytes(a.batch), a.reference.peak_activation_bytes(a.batch));
    let ratio = m as f64 / r.max(1) as f64;
    if ratio < 0.95 {
        t.detected = true;
        t.points = 0.10 * ((1.0 - ratio) / 0.5).min(1.0);
        t.evidence.push(format!("peak activations {m} bytes at batch {}, {} of the reference's {r}", a.batch, pct(ratio)));
    } else {
        t.evidence.push(format!("peak activations {m} bytes at batch {}, as the reference", a.batch));
    }
    t
}

fn compression(a: &Artifact<'_>) -> Technique {
    let mut t = technique("compression", "Compression");
    let (w, r) = (weight_bytes(a.model), a.reference.param_count() * 4);
    let ratio = w as f64 / r.max(1) as f64;
    if ratio < 0.9 {
        t.detected = true;
        t.points = 0.10 * ((1.0 - ratio) / 0.75).min(1.0);
        t.evidence.push(format!("weights take {w} bytes, {} of the reference's {r} ({:.1}× smaller)", pct(ratio), 1.0 / ratio));
    } else {
        t.evidence.push(format!("weights take {w} bytes ({} of the reference)", pct(ratio)));
    }
    t
}

/// Runs every detector over the artifact. `reference_package` gives the reference's own zero share
/// (so weights that happen to be zero in the reference are not counted as pruning).
pub fn detect(a: &Artifact<'_>, reference_package: &Package) -> Innovation {
    let (rz, rn) = zero_share(reference_package);
    let counts = zero_share(a.package);
    let pruned = pruned_share(counts, rn - rz);
    let mut techniques = vec![quantization(a, reference_package), pruning(a, counts, rn - rz), distillation(a), custom_kernels(a, pruned), memory(a), compression(a)];
    let mut claimed_not_detected = Vec::new();
    for t in &mut techniques {
        if claimed(a.description, &t.id) {
            if t.detected {
                t.evidence.push("(also claimed in the description)".into());
            } else {
                claimed_not_detected.push(format!("{}: the description claims it, but the artifact does not show it ({})", t.name, t.evidence.join("; ")));
            }
        }
    }
    let score = techniques.iter().map(|t| t.points).sum::<f64>().min(1.0);
    Innovation { score, techniques, claimed_not_detected }
}
