//! `quantize` and `prune`: turn a package (the event's reference weights by default) into an entry
//! package with the library's own optimizations, plus 4×1 block pruning, which only this tool does.
use anyhow::{bail, Context, Result};
use std::path::Path;
use tinymlperf::events::{self, EventId};
use tinymlperf::format::{self as fmt, Dtype, Package};
use tinymlperf::kernels::{gemm, DenseWeights};
use tinymlperf::models::{optimize, optimized, Model};
use tinymlperf::submission::{self, entry_model};

/// The package a command starts from.
pub struct Source {
    /// The event it is for.
    pub event: EventId,
    /// The validated package.
    pub package: Package,
    /// The model built from it.
    pub model: Model,
    /// Where it came from, for messages and metadata (`reference weights of mlp_sprint` or a path).
    pub origin: String,
    /// Size of the source file, bytes.
    pub file_bytes: usize,
}

/// Reads a package file with a clear message when it cannot.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The event of a command: `--event` when given, else the package's `event` metadata.
pub fn resolve_event(explicit: Option<&str>, bytes: Option<&[u8]>, what: &str) -> Result<EventId> {
    if let Some(e) = explicit {
        return Ok(e.parse()?);
    }
    let Some(bytes) = bytes else { bail!("--event is required when no package is given ({what})") };
    let p = Package::parse(bytes).with_context(|| format!("{what} is not a valid package"))?;
    match p.meta(fmt::META_EVENT) {
        Some(e) => e.parse().with_context(|| format!("{what} has event metadata '{e}'")),
        None => bail!("{what} has no 'event' metadata; pass --event <{}>", EventId::ALL.map(EventId::as_str).join("|")),
    }
}

/// Loads the source package: `path`, or the event's reference weights when `path` is `None`. The
/// package goes through the same validation as a submission (`submission::load_entry`).
pub fn load_source(event: Option<&str>, path: Option<&Path>) -> Result<Source> {
    let bytes = match path {
        Some(p) => Some(read_file(p)?),
        None => None,
    };
    let origin = path.map_or_else(String::new, |p| p.display().to_string());
    let event = resolve_event(event, bytes.as_deref(), &origin)?;
    let (bytes, origin): (&[u8], String) = match &bytes {
        Some(b) => (b, origin),
        None => (events::weights(event), format!("reference weights of {event}")),
    };
    let e = submission::load_entry(event, bytes).with_context(|| format!("{origin} is not a valid {event} package"))?;
    Ok(Source { event, package: e.package, model: e.model, origin, file_bytes: bytes.len() })
}

/// Options every writing command shares.
#[derive(Debug, Default, Clone)]
pub struct WriteOptions {
    /// Kernel table to record (`kernels` metadata); `None` leaves it to the weights.
    pub kernels: Option<String>,
    /// `team`, `description`, `url` metadata.
    pub team: Option<String>,
    /// See `team`.
    pub description: Option<String>,
    /// See `team`.
    pub url: Option<String>,
}

/// Stores the model's dense layers and convolutions into the package, keeping each untouched layer's stored dtype:
/// `Linear::store` writes F32 for every layer without an INT8 form, so an F16/BF16 layer, or an I8
/// layer without an input scale, is converted back to its original dtype (its values, pruned or not,
/// are still exactly representable in it).
pub fn store(model: &mut Model, package: &mut Package) -> Result<()> {
    let mut names: Vec<String> = model.linears_mut().into_iter().map(|(n, _)| n).collect();
    names.extend(model.convs_mut().into_iter().map(|(n, _)| n));
    let before: Vec<(String, Dtype, Option<Vec<f32>>)> = names
        .into_iter()
        .filter_map(|name| {
            let t = package.get(&format!("{name}.weight"))?;
            let scales = package.get(&format!("{name}.weight_scale")).map(|s| s.data.clone());
            Some((name, t.dtype, scales))
        })
        .collect();
    model.store_linears(package)?;
    for (name, dtype, scales) in before {
        let wname = format!("{name}.weight");
        let Some(t) = package.get(&wname).cloned() else { continue };
        if t.dtype != Dtype::F32 || dtype == Dtype::F32 {
            continue;
        }
        match (dtype, scales) {
            (Dtype::I8, Some(s)) if s.len() == t.shape[0] => {
                let inner = t.data.len() / s.len().max(1);
                let codes: Vec<f32> = t.data.iter().enumerate().map(|(i, v)| (v / s[i / inner]).round().clamp(-127.0, 127.0)).collect();
                package.insert_typed(wname, t.shape.clone(), Dtype::I8, codes)?;
                package.insert(format!("{name}.weight_scale"), vec![s.len()], s)?;
            }
            (Dtype::I8, _) => {}
            (d, _) => {
                if package.insert_typed(wname.clone(), t.shape.clone(), d, t.data.clone()).is_err() {
                    // Not representable any more (cannot happen for pruning, which only writes zeros):
                    // keep F32 rather than round.
                    package.insert(wname, t.shape, t.data)?;
                }
            }
        }
    }
    Ok(())
}

/// Finishes a derived package: drops metadata that described the source (its accuracy, kernel table,
/// recipe), records what this tool did and the source's data hash, applies `opts`, and serializes.
pub fn finish(mut package: Package, source: &Source, tool: String, opts: &WriteOptions) -> Result<Vec<u8>> {
    let base = source.package.data_sha256();
    for k in [fmt::META_HELDOUT_ACCURACY, fmt::META_HELDOUT_CORRECT, fmt::META_HELDOUT_TOTAL, fmt::META_KERNELS, fmt::META_RECIPE, "params"] {
        package.metadata_mut().remove(k);
    }
    let history = match package.meta("tool") {
        Some(prev) => format!("{prev}; {tool}"),
        None => tool,
    };
    package.set_meta("tool", history);
    package.set_meta("base_weights_sha256", base);
    package.set_meta(fmt::META_EVENT, source.event.as_str());
    package.set_meta(fmt::META_ARCHITECTURE, source.model.variant());
    apply_options(&mut package, opts)?;
    Ok(package.to_bytes()?)
}

/// Applies `kernels`, `team`, `description`, `url`.
pub fn apply_options(package: &mut Package, opts: &WriteOptions) -> Result<()> {
    if let Some(k) = &opts.kernels {
        entry_model::table(k)?;
        package.set_meta(fmt::META_KERNELS, k.clone());
    }
    for (key, v) in [(fmt::META_TEAM, &opts.team), (fmt::META_DESCRIPTION, &opts.description), (fmt::META_URL, &opts.url)] {
        if let Some(v) = v {
            package.set_meta(key, v.clone());
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so a failed run never
/// leaves half a package behind.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("safetensors.partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}

/// What `quantize` did to one layer.
#[derive(Debug, Clone)]
pub struct QuantizedLayer {
    /// Layer name.
    pub name: String,
    /// `[out, in]` (a convolution: `[cout, cin·9]`).
    pub shape: [usize; 2],
    /// Calibrated input scale.
    pub input_scale: f32,
    /// Smallest and largest per-channel weight scale.
    pub weight_scales: (f32, f32),
}

/// INT8 quantization of every dense layer and the CNN's convolutions but its first
/// (`models::optimize::FP32_CONVS`): per-output-channel symmetric weight scales and a per-tensor input
/// scale calibrated (max |x|) on the first `calibration` training samples
/// (`models::optimize::quantize_int8`). Embeddings and norms stay as they are.
pub fn quantize(source: &Source, calibration: usize) -> Result<(Package, Vec<QuantizedLayer>)> {
    let mut model = source.model.clone();
    let calib = optimize::calibration_set(source.event, calibration);
    optimize::quantize_int8(&mut model, &calib)?;
    let mut package = source.package.clone();
    store(&mut model, &mut package)?;
    let mut layers = Vec::new();
    for (name, c) in model.convs_mut() {
        if let Some(q) = &c.int8 {
            let lo = q.w_scales.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = q.w_scales.iter().copied().fold(0.0, f32::max);
            layers.push(QuantizedLayer { name, shape: [c.cout, c.cin * 9], input_scale: q.act_scale, weight_scales: (lo, hi) });
        }
    }
    for (name, l) in model.linears_mut() {
        if let Some(q) = &l.weight.int8 {
            let lo = q.w_scales.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = q.w_scales.iter().copied().fold(0.0, f32::max);
            layers.push(QuantizedLayer { name, shape: [l.out_dim, l.in_dim], input_scale: q.act_scale, weight_scales: (lo, hi) });
        }
    }
    Ok((package, layers))
}

/// How `prune` removes weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Single weights, Wanda scores (|w| × input RMS), one threshold per layer
    /// (`models::optimized::prune_unstructured`).
    Unstructured,
    /// 1×8 blocks: 8 consecutive outputs at one input, the sparse kernel's block
    /// (`models::optimize::prune`, block norm × input RMS).
    Blocks1x8,
    /// 4×1 blocks: 4 consecutive inputs of one output (in the file's `[out, in]` layout, 4
    /// consecutive `in` indices of one `out` row), scored by the block's L2 norm.
    Blocks4x1,
}

impl Pattern {
    /// Parses `--structured` (`4x1`, `1x8`), `None` meaning unstructured.
    pub fn parse(structured: Option<&str>) -> Result<Pattern> {
        match structured.map(|s| s.to_ascii_lowercase().replace('×', "x")) {
            None => Ok(Pattern::Unstructured),
            Some(s) if s == "4x1" => Ok(Pattern::Blocks4x1),
            Some(s) if s == "1x8" => Ok(Pattern::Blocks1x8),
            Some(s) => bail!("--structured takes 4x1 or 1x8, got '{s}'"),
        }
    }

    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Pattern::Unstructured => "unstructured (Wanda scores: |w| x input RMS, one threshold per layer)",
            Pattern::Blocks1x8 => "1x8 blocks (8 consecutive outputs at one input; block norm x input RMS)",
            Pattern::Blocks4x1 => "4x1 blocks (4 consecutive inputs of one output; block L2 norm)",
        }
    }
}

/// What `prune` did to one layer.
#[derive(Debug, Clone)]
pub struct PrunedLayer {
    /// Layer name.
    pub name: String,
    /// `[out, in]`.
    pub shape: [usize; 2],
    /// Fraction of the layer's weights that are exactly zero afterwards.
    pub zeros: f64,
}

/// Zeroes 4×1 blocks of a dense layer (kernel layout `k×n`: 4 consecutive rows `i` of one column
/// `o`, i.e. 4 consecutive inputs of one output), lowest L2 norm first, until `sparsity` of the
/// weights are zero-blocked; a last partial block (when `k` is not a multiple of 4) counts its size.
/// Ties break by position, so the result is deterministic. Returns the number of blocks zeroed.
pub fn prune_4x1(w: &mut DenseWeights, sparsity: f64) -> usize {
    const B: usize = 4;
    let (k, n) = (w.k(), w.n());
    let kn = &mut w.kn;
    let mut blocks: Vec<(f32, usize, usize)> = Vec::with_capacity(n * k.div_ceil(B));
    for o in 0..n {
        for b in 0..k.div_ceil(B) {
            let norm = (b * B..((b + 1) * B).min(k)).map(|i| kn[i * n + o] * kn[i * n + o]).sum::<f32>().sqrt();
            blocks.push((norm, o, b));
        }
    }
    blocks.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let target = (sparsity.clamp(0.0, 1.0) * (k * n) as f64).round() as usize;
    let (mut zeroed, mut count) = (0usize, 0usize);
    for &(_, o, b) in &blocks {
        if zeroed >= target {
            break;
        }
        for i in b * B..((b + 1) * B).min(k) {
            kn[i * n + o] = 0.0;
            zeroed += 1;
        }
        count += 1;
    }
    w.packed = gemm::PackedB::pack(k, n, kn);
    w.sparse = None;
    count
}

/// The event's prunable layers: those of `models::optimized::unstructured_plan` (the classifier
/// heads stay dense).
pub fn default_layers(event: EventId) -> Vec<String> {
    optimized::unstructured_plan(event).iter().map(|(l, _)| l.to_string()).collect()
}

/// Prunes each `(layer, sparsity)` of `plan` with `pattern`. A layer that was INT8 is re-quantized
/// after pruning with its calibrated input scale (its zeros become zero codes).
pub fn prune(source: &Source, plan: &[(String, f64)], pattern: Pattern, calibration: usize) -> Result<(Package, Vec<PrunedLayer>)> {
    let mut model = source.model.clone();
    let known: Vec<String> = model.linears_mut().into_iter().map(|(n, _)| n).collect();
    if plan.is_empty() {
        bail!("no layers to prune");
    }
    for (l, s) in plan {
        if !known.contains(l) {
            bail!("{} has no dense layer '{l}'; its dense layers are: {}", source.event, known.join(", "));
        }
        if !(*s > 0.0 && *s < 1.0) {
            bail!("sparsity of {l} must be between 0 and 1 (exclusive), got {s}");
        }
    }
    let lib_plan: Vec<(&str, f64)> = plan.iter().map(|(l, s)| (l.as_str(), *s)).collect();
    match pattern {
        Pattern::Unstructured => {
            optimized::prune_unstructured(&mut model, &optimize::calibration_set(source.event, calibration), &lib_plan)?;
        }
        Pattern::Blocks1x8 => {
            optimize::prune(&mut model, &optimize::calibration_set(source.event, calibration), &lib_plan)?;
        }
        Pattern::Blocks4x1 => {
            for (name, l) in model.linears_mut() {
                if let Some((_, s)) = plan.iter().find(|(n, _)| *n == name) {
                    prune_4x1(&mut l.weight, *s);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (name, l) in model.linears_mut() {
        if !plan.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if let Some(act) = l.weight.int8.as_ref().map(|q| q.act_scale) {
            l.weight.quantize(act);
        }
        let zeros = l.weight.kn.iter().filter(|v| **v == 0.0).count() as f64 / l.weight.kn.len().max(1) as f64;
        out.push(PrunedLayer { name, shape: [l.out_dim, l.in_dim], zeros });
    }
    let mut package = source.package.clone();
    store(&mut model, &mut package)?;
    Ok((package, out))
}

/// The pruning plan from `--sparsity` and `--layers` (`fc1,fc2` or `fc1=0.8,fc2=0.6`; a layer
/// without `=` takes `--sparsity`); without `--layers`, the event's prunable layers at `--sparsity`.
pub fn parse_plan(event: EventId, sparsity: Option<f64>, layers: Option<&str>) -> Result<Vec<(String, f64)>> {
    let need = |what: &str| sparsity.ok_or_else(|| anyhow::anyhow!("prune needs --sparsity S (e.g. 0.8){what}"));
    match layers {
        None => {
            let s = need("")?;
            Ok(default_layers(event).into_iter().map(|l| (l, s)).collect())
        }
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|item| match item.split_once('=') {
                Some((l, v)) => v.trim().parse::<f64>().map(|s| (l.trim().to_string(), s)).map_err(|_| anyhow::anyhow!("--layers: '{item}' is not layer=sparsity")),
                None => Ok((item.to_string(), need(&format!(" or give {item}=S in --layers"))?)),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_4x1_zeroes_whole_input_runs_of_one_output() {
        // k = 8 inputs, n = 3 outputs; kernel layout k×n.
        let (k, n) = (8, 3);
        let kn: Vec<f32> = (0..k * n).map(|i| 1.0 + i as f32).collect();
        let mut w = DenseWeights::new(k, n, kn);
        let blocks = prune_4x1(&mut w, 0.5);
        assert_eq!(blocks, 3, "half of 24 weights = 3 blocks of 4");
        let zeros = w.kn.iter().filter(|v| **v == 0.0).count();
        assert_eq!(zeros, 12);
        // The smallest blocks are the first 4 inputs of each output.
        for o in 0..n {
            for i in 0..4 {
                assert_eq!(w.kn[i * n + o], 0.0, "input {i} output {o}");
            }
            for i in 4..8 {
                assert_ne!(w.kn[i * n + o], 0.0);
            }
        }
        // The packed copy follows.
        assert_eq!(w.packed, gemm::PackedB::pack(k, n, &w.kn));
    }

    #[test]
    fn prune_4x1_handles_a_partial_last_block() {
        let (k, n) = (6, 2);
        let mut w = DenseWeights::new(k, n, vec![1.0; k * n]);
        prune_4x1(&mut w, 0.3);
        let zeros = w.kn.iter().filter(|v| **v == 0.0).count();
        assert!((4..=6).contains(&zeros), "{zeros}");
    }

    #[test]
    fn patterns_parse() {
        assert_eq!(Pattern::parse(None).unwrap(), Pattern::Unstructured);
        assert_eq!(Pattern::parse(Some("4x1")).unwrap(), Pattern::Blocks4x1);
        assert_eq!(Pattern::parse(Some("1X8")).unwrap(), Pattern::Blocks1x8);
        assert!(Pattern::parse(Some("2x2")).unwrap_err().to_string().contains("4x1 or 1x8"));
    }
}
