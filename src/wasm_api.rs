//! The only module that touches wasm-bindgen: typed serde structs in and out, `Result<_, JsError>`
//! with readable messages, never a panic across the boundary.
use crate::kernels::GemmShape;
use crate::profiler::{kernel_bench, HostClock, RunConfig};
use wasm_bindgen::prelude::*;

/// Largest GEMM side the demo accepts, so a typo cannot allocate gigabytes.
const MAX_DEMO_DIM: usize = 4096;

/// Installs a panic hook that forwards panic messages to `console.error` (a panic still aborts the
/// instance; every API below returns errors instead of panicking on bad input).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&format!("tinymlperf panic: {info}").into())));
}

// The relaxed-SIMD module's exports, as the page publishes them on `globalThis.tinymlperfRelaxed`
// (www/relaxed.js) after instantiating `tinymlperf_relaxed.wasm` on this module's memory. Resolved at
// call time, so the imports exist whether or not the page ever installs that module.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = tinymlperfRelaxed, js_name = f32_linear_packed)]
    fn relaxed_linear_packed(m: u32, k: u32, n: u32, a: u32, b: u32, bias: u32, relu: u32, c: u32);
    #[wasm_bindgen(js_namespace = tinymlperfRelaxed, js_name = i8_dot_quads)]
    fn relaxed_i8_dot_quads(m: u32, kq: u32, n: u32, a: u32, w: u32, acc: u32);
    #[wasm_bindgen(js_namespace = tinymlperfRelaxed, js_name = peak_madd)]
    fn relaxed_peak_madd(iters: u32, seed: f32) -> f32;
}

// The kernel reader's module (kernelcheck/web → www/pkg-kernelcheck/), as the worker publishes it on
// `globalThis.tinymlperfKernelcheck` (www/kernelcheck.js) before a custom-kernel entry: this module
// carries no WebAssembly parser of its own. Each returns JSON, `{"ok": …}` or `{"error": …}`; a call
// before the worker loaded it throws, and the error says so.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = tinymlperfKernelcheck, js_name = inspect)]
    fn kernelcheck_inspect(wasm: &[u8]) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_namespace = tinymlperfKernelcheck, js_name = instrument)]
    fn kernelcheck_instrument(wasm: &[u8]) -> Result<Vec<u8>, JsValue>;
}

/// [`crate::submission::custom::KernelCheck`] through the kernel reader's module.
struct JsKernelCheck;

fn js_message(e: JsValue) -> String {
    e.as_string().or_else(|| js_sys::Error::from(e).message().as_string()).unwrap_or_default()
}

impl JsKernelCheck {
    /// The reader could not be called (not loaded, or it trapped): `msg` is what JavaScript threw.
    fn unavailable(what: &str, msg: String) -> crate::Error {
        crate::Error::format(tinymlperf_kernelcheck::WHAT, format!("the kernel reader could not {what} the module: {msg} (the worker loads it from www/pkg-kernelcheck/ through www/kernelcheck.js)"))
    }

    /// A reply of the reader, `{"ok": …}` or `{"error": …}`.
    fn reply<T: serde::de::DeserializeOwned>(json: &str) -> crate::Result<T> {
        #[derive(serde::Deserialize)]
        struct Reply<T> {
            ok: Option<T>,
            error: Option<tinymlperf_kernelcheck::Error>,
        }
        match serde_json::from_str::<Reply<T>>(json) {
            Ok(Reply { ok: Some(v), .. }) => Ok(v),
            Ok(Reply { error: Some(e), .. }) => Err(e.into()),
            Ok(_) => Err(crate::Error::format(tinymlperf_kernelcheck::WHAT, "the kernel reader's reply holds neither a result nor an error")),
            Err(e) => Err(crate::Error::format(tinymlperf_kernelcheck::WHAT, format!("the kernel reader's reply is malformed: {e}"))),
        }
    }
}

impl crate::submission::custom::KernelCheck for JsKernelCheck {
    fn inspect(&self, wasm: &[u8]) -> crate::Result<crate::format::wasm_module::ModuleReport> {
        let json = kernelcheck_inspect(wasm).map_err(|e| Self::unavailable("read", js_message(e)))?;
        Self::reply(&json)
    }
    fn instrument(&self, wasm: &[u8]) -> crate::Result<Vec<u8>> {
        // The copy travels as bytes; the reader's error comes back as JSON in the thrown message.
        kernelcheck_instrument(wasm).or_else(|e| {
            let msg = js_message(e);
            if msg.starts_with('{') {
                Self::reply(&msg)
            } else {
                Err(Self::unavailable("instrument", msg))
            }
        })
    }
}

/// Puts the relaxed-SIMD kernels in the kernel table (`kernels::gemm::relaxed`): the page calls it once,
/// after it validated a relaxed-SIMD probe and published the relaxed module's exports on
/// `globalThis.tinymlperfRelaxed`. Checks that both exports are there and that the dense layer gives
/// the reference's answer on a small case before installing; returns the variant name.
#[wasm_bindgen(js_name = useRelaxedSimd)]
pub fn use_relaxed_simd() -> Result<String, JsError> {
    use crate::kernels::{gemm::relaxed, Act, DenseWeights};
    let ns = js_sys::Reflect::get(&js_sys::global(), &"tinymlperfRelaxed".into()).map_err(|_| JsError::new("useRelaxedSimd: no globalThis.tinymlperfRelaxed"))?;
    for name in ["f32_linear_packed", "i8_dot_quads", "peak_madd"] {
        let f = js_sys::Reflect::get(&ns, &name.into()).unwrap_or(JsValue::UNDEFINED);
        if !f.is_function() {
            return Err(JsError::new(&format!("useRelaxedSimd: globalThis.tinymlperfRelaxed.{name} is not a function (load www/pkg-relaxed/tinymlperf_relaxed.wasm first)")));
        }
    }
    // A 5×13·13×11 layer (two row blocks, a partial panel, bias and ReLU) against the scalar reference.
    let (m, k, n) = (5, 13, 11);
    let x = kernel_bench::seeded_values(7, m * k);
    let w = DenseWeights::new(k, n, kernel_bench::seeded_values(8, k * n));
    let bias = kernel_bench::seeded_values(9, n);
    let mut want = vec![0.0; m * n];
    crate::kernels::gemm::scalar::f32_linear(m, &x, &w, Some(&bias), Act::Relu, &mut want);
    let hooks = relaxed::Hooks { linear: relaxed_linear_packed, i8_dot: relaxed_i8_dot_quads, peak: relaxed_peak_madd };
    let mut got = vec![f32::NAN; m * n];
    (hooks.linear)(m as u32, k as u32, n as u32, x.as_ptr() as u32, w.packed.data.as_ptr() as u32, bias.as_ptr() as u32, 1, got.as_mut_ptr() as u32);
    if let Some((i, g, r)) = crate::kernels::tolerance::F32_FUSED.first_mismatch(&got, &want) {
        return Err(JsError::new(&format!("useRelaxedSimd: the relaxed dense layer gives {g} at element {i} where the reference gives {r}; not installed")));
    }
    relaxed::install(hooks);
    Ok(relaxed::NAME.to_string())
}

/// The crate version, for the page footer and share links.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Times the scalar GEMM against the SIMD128 GEMM on an `m×k·k×n` problem, interleaved, and returns a
/// `GemmReport` object (times in ms, GFLOP/s, speedup, max abs difference, clock scope and resolution).
#[wasm_bindgen(js_name = gemmDemo)]
pub fn gemm_demo(m: usize, k: usize, n: usize, batch_ms: f64, rounds: usize) -> Result<JsValue, JsError> {
    for (name, v) in [("m", m), ("k", k), ("n", n)] {
        if v == 0 || v > MAX_DEMO_DIM {
            return Err(JsError::new(&format!("gemmDemo: {name} = {v} is outside 1..={MAX_DEMO_DIM}")));
        }
    }
    if !(batch_ms.is_finite() && batch_ms > 0.0 && batch_ms <= 10_000.0) || rounds == 0 || rounds > 1000 {
        return Err(JsError::new(&format!("gemmDemo: batch_ms {batch_ms} must be in (0, 10000] and rounds {rounds} in 1..=1000")));
    }
    let clock = HostClock::new().map_err(|e| JsError::new(&e.to_string()))?;
    let report = kernel_bench::gemm_scalar_vs_best(&clock, GemmShape { m, k, n }, RunConfig { batch_ms, rounds, warmup: 2 });
    to_js(&report)
}

/// Runs the kernel benchmark (measured peak, every kernel variant on every real model shape, whole-model
/// latency per path unless `with_models` is false) and returns the `BenchReport`. `quick` shortens it for smoke tests; its figures
/// are not meant to be read.
#[wasm_bindgen(js_name = benchKernels)]
pub fn bench_kernels(quick: bool, with_models: bool) -> Result<JsValue, JsError> {
    let clock = HostClock::new().map_err(|e| JsError::new(&e.to_string()))?;
    let mut io = JsBoundary::default();
    let report = kernel_bench::bench_kernels(&clock, quick, with_models, Some(&mut io)).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&report)
}

/// The page's side of a model call for the benchmark: the batch in a JS typed array (`Float32Array` of
/// pixels or `Uint32Array` of token ids), copied into wasm memory per call, and the logits copied out
/// into a new `Float32Array`.
#[derive(Default)]
struct JsBoundary {
    pixels: Option<js_sys::Float32Array>,
    tokens: Option<js_sys::Uint32Array>,
}

impl kernel_bench::CallBoundary for JsBoundary {
    fn stage(&mut self, input: &crate::models::OwnedInput) {
        use crate::models::OwnedInput;
        (self.pixels, self.tokens) = match input {
            OwnedInput::Pixels(p) => (Some(js_sys::Float32Array::from(p.as_slice())), None),
            OwnedInput::Tokens(t) => (None, Some(js_sys::Uint32Array::from(t.as_slice()))),
        };
    }

    fn copy_in(&self) -> crate::models::OwnedInput {
        use crate::models::OwnedInput;
        match (&self.pixels, &self.tokens) {
            (Some(p), _) => OwnedInput::Pixels(p.to_vec()),
            (_, Some(t)) => OwnedInput::Tokens(t.to_vec()),
            _ => OwnedInput::Pixels(Vec::new()),
        }
    }

    fn copy_out(&self, logits: &[f32]) {
        core::hint::black_box(js_sys::Float32Array::from(logits));
    }
}

/// What the page shows about one event.
#[derive(serde::Serialize)]
struct BenchmarkInfo {
    id: &'static str,
    title: &'static str,
    architecture: &'static str,
    input_shape: &'static [usize],
    classes: usize,
    params: usize,
    flops_per_inference: u64,
    heldout_samples: usize,
    recorded_accuracy: f64,
    accuracy_threshold: f64,
    weights_sha256: String,
}

/// Loads an event (`mlp_sprint`, `cnn_marathon`, `transformer_decathlon`): parses and validates its
/// weights (embedded, or handed over by `provideWeights`), generates its held-out split, and returns
/// what the page shows about it. An unknown id is an error listing the known ones.
#[wasm_bindgen(js_name = loadBenchmark)]
pub fn load_benchmark(event: &str) -> Result<JsValue, JsError> {
    let id: crate::events::EventId = event.parse().map_err(js_err)?;
    let b = crate::events::load_benchmark(id).map_err(js_err)?;
    to_js(&describe(b.spec, &b.model, b.dataset.len(), b.recorded_accuracy, b.weights_sha256))
}

/// The event's reference model on the best kernel table this browser has, run on `input` (`batch`
/// items: pixels in [0, 1], or token ids as whole numbers for the transformer): its logits. Other
/// engines' outputs on the same inputs are checked against these (`npm run bench:peers`).
#[wasm_bindgen(js_name = referenceLogits)]
pub fn reference_logits(event: &str, input: &[f32], batch: usize) -> Result<Vec<f32>, JsError> {
    let (model, _) = crate::events::load_model(event_id(event)?).map_err(js_err)?;
    let kernels = crate::kernels::best();
    let logits = if let crate::models::Model::Transformer(_) = model {
        let tokens: Vec<u32> = input.iter().map(|&t| if t >= 0.0 && t.fract() == 0.0 { t as u32 } else { u32::MAX }).collect();
        model.forward(&kernels, crate::models::Input::Tokens(&tokens), batch)
    } else {
        model.forward(&kernels, crate::models::Input::Pixels(input), batch)
    };
    logits.map_err(js_err)
}

fn describe(spec: &crate::events::EventSpec, model: &crate::models::Model, heldout_samples: usize, recorded_accuracy: f64, weights_sha256: String) -> BenchmarkInfo {
    BenchmarkInfo {
        id: spec.id.as_str(),
        title: spec.title,
        architecture: spec.architecture,
        input_shape: spec.input_shape,
        classes: spec.classes,
        params: model.param_count(),
        flops_per_inference: model.flops_per_inference(),
        heldout_samples,
        recorded_accuracy,
        accuracy_threshold: spec.accuracy_threshold,
        weights_sha256,
    }
}

fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

// Values cross the boundary as JSON text, parsed and written by the browser's own JSON: the module then
// carries one serializer and one deserializer per type (serde_json's, which share links, exports and
// packages need anyway) instead of a second pair for JS objects — about a sixth of the module. Maps
// arrive as plain objects and `None` as `null`, so the page can read fields and store them in IndexedDB.
fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    let json = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&json).map_err(|e| JsError::new(&format!("the engine's reply is not JSON: {}", js_message(e))))
}

fn from_js<T: serde::de::DeserializeOwned>(v: JsValue, what: &str) -> Result<T, JsError> {
    if v.is_undefined() {
        return Err(JsError::new(&format!("{what}: missing (undefined)")));
    }
    // JSON.stringify throws on cycles and BigInt, and turns NaN and Infinity into null: each then fails
    // here or in the type's own validation with a message, never a panic.
    let json = js_sys::JSON::stringify(&v).map_err(|e| JsError::new(&format!("{what}: not representable as JSON: {}", js_message(e))))?;
    let json = json.as_string().ok_or_else(|| JsError::new(&format!("{what}: not representable as JSON")))?;
    serde_json::from_str(&json).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

fn event_id(event: &str) -> Result<crate::events::EventId, JsError> {
    event.parse().map_err(js_err)
}

/// The run's environment: user agent, cores, isolation, measured timer resolution, SIMD, build id,
/// and plain-language warnings.
#[wasm_bindgen]
pub fn environment() -> Result<JsValue, JsError> {
    let clock = HostClock::new().map_err(js_err)?;
    to_js(&crate::profiler::Environment::capture(&clock))
}

/// Every event as the page shows it (as `loadBenchmark` describes one), at start-up, without the
/// weights: shapes and metadata come from the weights files' headers recorded at build time
/// (`events::skeleton`), so nothing is downloaded and no held-out split is generated (seconds) before
/// the page is ready; a run fetches its event's weights and generates its split when it needs them.
#[wasm_bindgen(js_name = listEvents)]
pub fn list_events() -> Result<JsValue, JsError> {
    use crate::format::{META_HELDOUT_ACCURACY, META_HELDOUT_TOTAL, META_SHA256};
    let mut infos = Vec::new();
    for id in crate::events::EventId::ALL {
        let (model, p) = crate::events::skeleton(id).map_err(js_err)?;
        let (total, accuracy) = (p.meta_parse(META_HELDOUT_TOTAL).map_err(js_err)?, p.meta_parse(META_HELDOUT_ACCURACY).map_err(js_err)?);
        infos.push(describe(crate::events::spec(id), &model, total, accuracy, p.require_meta(META_SHA256).map_err(js_err)?.to_string()));
    }
    to_js(&infos)
}

/// Hands the engine `weights/<name>.safetensors` (`name`: an event id, or `<event>_sparse`), fetched by
/// the page's worker before the first call that needs it; refused unless its size and SHA-256 are the
/// ones this build recorded. Only in builds without embedded weights (the page's).
#[cfg(not(feature = "embedded-weights"))]
#[wasm_bindgen(js_name = provideWeights)]
pub fn provide_weights(name: &str, bytes: Vec<u8>) -> Result<(), JsError> {
    crate::events::provide_weights(name, bytes).map_err(js_err)
}

/// Builds a recipe's package: `{event, quantize, sparsity, kernels?}` → safetensors bytes.
#[wasm_bindgen(js_name = buildRecipe)]
pub fn build_recipe(recipe: JsValue) -> Result<Vec<u8>, JsError> {
    let r: crate::submission::Recipe = from_js(recipe, "recipe")?;
    crate::submission::build_recipe(&r).map_err(js_err)
}

/// Validates a package for an event and reports what the scorer will see, without timing.
#[wasm_bindgen(js_name = inspectPackage)]
pub fn inspect_package(bytes: &[u8], event: &str) -> Result<JsValue, JsError> {
    to_js(&crate::submission::inspect_package(event_id(event)?, bytes).map_err(js_err)?)
}

fn progress_fn(cb: Option<js_sys::Function>) -> impl FnMut(crate::profiler::benchmark::Progress) {
    move |p| {
        if let (Some(f), Ok(v)) = (&cb, to_js(&p)) {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    }
}

/// The seed's `submit_entry`: `submission = {team, event, description, url, budget_s?, seed?,
/// submitted_at?, per_layer?}` and the package bytes → a scored `Entry`. `onProgress({phase, fraction,
/// message})` is called synchronously while it runs.
#[wasm_bindgen(js_name = submitEntry)]
pub fn submit_entry(submission: JsValue, bytes: &[u8], on_progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let s: crate::submission::Submission = from_js(submission, "submission")?;
    let clock = HostClock::new().map_err(js_err)?;
    let entry = crate::submission::submit_entry(&clock, &s, bytes, &mut progress_fn(on_progress)).map_err(js_err)?;
    to_js(&entry)
}

/// Options of `benchmarkModel`.
#[derive(serde::Deserialize, Default)]
struct BenchOpts {
    budget_s: Option<f64>,
    seed: Option<u64>,
    #[serde(default)]
    per_layer: bool,
}

/// The profiler alone: an event's package benchmarked against the in-browser baseline.
#[wasm_bindgen(js_name = benchmarkModel)]
pub fn benchmark_model(event: &str, bytes: &[u8], options: JsValue, on_progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let o: BenchOpts = if options.is_undefined() || options.is_null() { BenchOpts::default() } else { from_js(options, "options")? };
    let id = event_id(event)?;
    let opts = crate::submission::options(o.budget_s, o.seed.unwrap_or_else(crate::submission::fresh_seed), o.per_layer).map_err(js_err)?;
    let e = crate::submission::load_entry(id, bytes).map_err(js_err)?;
    let r = crate::submission::reference(id).map_err(js_err)?;
    let clock = HostClock::new().map_err(js_err)?;
    let candidate = crate::profiler::benchmark::ModelCandidate { model: &e.model, kernels: &e.kernels };
    let budget = crate::submission::logit_budget(&e, &r.1, false);
    let report = crate::profiler::benchmark::benchmark_model(&clock, &candidate, &r.0, budget, &opts, &mut progress_fn(on_progress)).map_err(js_err)?;
    to_js(&report)
}

fn entries_from(entries: JsValue) -> Result<Vec<crate::submission::Entry>, JsError> {
    if entries.is_undefined() || entries.is_null() {
        return Ok(Vec::new());
    }
    from_js(entries, "entries")
}

/// The three boards (speed, innovation, composite) of one event over `entries`.
#[wasm_bindgen]
pub fn leaderboards(entries: JsValue, event: &str) -> Result<JsValue, JsError> {
    to_js(&crate::leaderboard::boards(&entries_from(entries)?, event_id(event)?))
}

/// Merges an exported JSON text into `existing` by entry key (team and artifact, see `entryKey`):
/// `{entries, keys, added, duplicates}`, `keys[i]` being the key of `entries[i]`. `existing` is
/// deduplicated by key too (the first copy stays), so `mergeEntries(list, "[]")` keys a list. A bad
/// file throws and nothing changes.
///
/// `source` (a file name, "share link", a board URL): when given, every entry read from `text` is
/// marked self-reported from it, whatever provenance it claims; entries in `existing` keep theirs.
#[wasm_bindgen(js_name = mergeEntries)]
pub fn merge_entries(existing: JsValue, text: &str, source: Option<String>) -> Result<JsValue, JsError> {
    use crate::leaderboard::EntryStore;
    let mut store = crate::leaderboard::MemoryStore::default();
    for e in entries_from(existing)? {
        store.insert(e);
    }
    let m = crate::leaderboard::merge_json_from(&mut store, text, source.as_deref()).map_err(js_err)?;
    #[derive(serde::Serialize)]
    struct Out {
        entries: Vec<crate::submission::Entry>,
        keys: Vec<String>,
        added: usize,
        duplicates: usize,
    }
    to_js(&Out { keys: store.keys(), entries: store.entries(), added: m.added, duplicates: m.duplicates })
}

/// An entry's identity, `"<hash>:<normalized team>"`: what the page's store and every merge key
/// entries by (two teams with the same package are two entries).
#[wasm_bindgen(js_name = entryKey)]
pub fn entry_key(entry: JsValue) -> Result<String, JsError> {
    let e: crate::submission::Entry = from_js(entry, "entry")?;
    Ok(crate::leaderboard::entry_key(&e))
}

/// JSON export of entries.
#[wasm_bindgen(js_name = exportEntries)]
pub fn export_entries(entries: JsValue) -> Result<String, JsError> {
    crate::leaderboard::export_json(&entries_from(entries)?).map_err(js_err)
}

/// CSV export of entries.
#[wasm_bindgen(js_name = exportCsv)]
pub fn export_csv(entries: JsValue) -> Result<String, JsError> {
    Ok(crate::leaderboard::export_csv(&entries_from(entries)?))
}

/// A share-link fragment payload for an entry.
#[wasm_bindgen(js_name = encodeShare)]
pub fn encode_share(entry: JsValue) -> Result<String, JsError> {
    let e: crate::submission::Entry = from_js(entry, "entry")?;
    e.validate().map_err(js_err)?;
    crate::submission::share::encode(&e).map_err(js_err)
}

/// The entry in a share-link fragment, marked self-reported ("share link"): the link's figures are
/// its author's word. Damaged, old or edited links throw a clear message.
#[wasm_bindgen(js_name = decodeShare)]
pub fn decode_share(fragment: &str) -> Result<JsValue, JsError> {
    to_js(&crate::submission::share::decode(fragment).map_err(js_err)?)
}

/// Whether `rerun` (measured here with the claim's seed) reproduces `claim`: a
/// [`crate::submission::Verdict`] whose `summary` says "reproduced: …" or "not reproduced: …".
#[wasm_bindgen(js_name = reproduceClaim)]
pub fn reproduce_claim(claim: JsValue, rerun: JsValue) -> Result<JsValue, JsError> {
    let (c, r): (crate::submission::Entry, crate::submission::Entry) = (from_js(claim, "claim")?, from_js(rerun, "re-run")?);
    to_js(&crate::submission::provenance::reproduce(&c, &r))
}

/// The verifier's result for one claim from its runs (`board:verify`): `{status, entry, verdict,
/// speedups}`, `entry` being the verifier's own measurement marked verified.
#[wasm_bindgen(js_name = verifiedEntry)]
pub fn verified_entry(claim: JsValue, runs: JsValue, at: f64) -> Result<JsValue, JsError> {
    let c: crate::submission::Entry = from_js(claim, "claim")?;
    let r: Vec<crate::submission::Entry> = from_js(runs, "runs")?;
    to_js(&crate::submission::provenance::verified_entry(&c, &r, at).map_err(js_err)?)
}

/// Whether two runs of one entry agree within the documented tolerance (`board:verify` repeats until
/// they do).
#[wasm_bindgen(js_name = runsAgree)]
pub fn runs_agree(a: JsValue, b: JsValue) -> Result<bool, JsError> {
    let (a, b): (crate::submission::Entry, crate::submission::Entry) = (from_js(a, "run")?, from_js(b, "run")?);
    Ok(crate::submission::provenance::runs_agree(&a, &b))
}

/// Browser engine and major version of a user agent (`Chromium 156`, `Firefox 153`).
#[wasm_bindgen(js_name = engineOf)]
pub fn engine_of(user_agent: &str) -> String {
    crate::submission::provenance::engine_of(user_agent)
}

/// Limits the page checks before handing bytes over (so a 2 GB file is refused without reading it).
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Limits {
        max_package_bytes: usize,
        max_import_bytes: usize,
        max_share_chars: usize,
        max_kernel_bytes: usize,
    }
    to_js(&Limits {
        max_package_bytes: crate::format::MAX_PACKAGE_BYTES,
        max_import_bytes: crate::leaderboard::store::MAX_IMPORT_BYTES,
        max_share_chars: crate::submission::share::MAX_SHARE_CHARS,
        max_kernel_bytes: crate::format::wasm_module::MAX_KERNEL_BYTES,
    })
}

/// `submitEntry` for an entry with its own WebAssembly kernel (`wasm`), and optionally its own
/// weights (`package`, else the event's reference weights). Run it in a dedicated Worker: a kernel
/// that never returns can only be stopped by terminating the worker.
#[wasm_bindgen(js_name = submitCustomEntry)]
pub fn submit_custom_entry(submission: JsValue, wasm: &[u8], package: Option<Vec<u8>>, on_progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let s: crate::submission::Submission = from_js(submission, "submission")?;
    let clock = HostClock::new().map_err(js_err)?;
    let entry = crate::submission::submit_custom_entry(&clock, &s, wasm, package.as_deref(), &JsKernelCheck, &mut progress_fn(on_progress)).map_err(js_err)?;
    to_js(&entry)
}
