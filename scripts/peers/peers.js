// `npm run bench:peers`, in the browser: the three reference models on onnxruntime-web (wasm, one
// thread) and tfjs with its wasm backend (XNNPACK, one thread), each checked against this engine's
// logits on the same inputs and timed as a caller pays: the input copied in and the logits copied out
// inside the timed region. This engine's own figures come from its `bench-kernels` report (timed in
// Rust, `simd128_fp32_js_io` rows). The result is left on window.__peers for the script.
import { EngineWorker } from '/www/engine.js';
import { parseSafetensors, transpose2d } from '/peers/page/safetensors.mjs';
import * as ort from '/peers/ort/ort.wasm.min.mjs';

const ROWS = [['mlp_sprint', 1], ['mlp_sprint', 64], ['cnn_marathon', 1], ['cnn_marathon', 64], ['transformer_decathlon', 1], ['transformer_decathlon', 16]];
const status = (t) => { document.getElementById('status').textContent = t; };
const tf = globalThis.tf;

/** Deterministic inputs: pixels in [0, 1] or token ids 0–15, as float (this engine's API takes both so). */
function inputs(event, batch, seed = 7) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return event === 'transformer_decathlon' ? Float32Array.from({ length: batch * 64 }, () => Math.floor(next() * 16)) : Float32Array.from({ length: batch * 784 }, next);
}

/** Median ms per call: warm-up, then rounds of k calls with k doubled until a round takes ≥ 20 ms. */
async function time(call, rounds = 15) {
  for (let i = 0; i < 5; i++) await call();
  let k = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) await call();
    if (performance.now() - t0 >= 20 || k >= 1 << 14) break;
    k *= 2;
  }
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) await call();
    per.push((performance.now() - t0) / k);
  }
  per.sort((a, b) => a - b);
  return per[per.length >> 1];
}

/** Relative RMS of `b` against `a`, and whether every row's argmax agrees. */
function compare(a, b, classes) {
  let d2 = 0, r2 = 0, agree = true;
  for (let i = 0; i < a.length; i++) { d2 += (a[i] - b[i]) ** 2; r2 += a[i] ** 2; }
  const argmax = (x, r) => { let m = 0; for (let c = 1; c < classes; c++) if (x[r * classes + c] > x[r * classes + m]) m = c; return m; };
  for (let r = 0; r < a.length / classes; r++) agree &&= argmax(a, r) === argmax(b, r);
  return { rel_rms: Math.sqrt(d2 / r2), same_predictions: agree && a.length === b.length };
}

/** The event's model as a tfjs function of an input tensor, from its weights (layouts converted once). */
function tfjsModel(event, W) {
  const t = (name) => tf.tensor(W[name].data, W[name].shape);
  // Weights stored `[in, out]` (converted once): tfjs-backend-wasm 4.22's fused matMul with
  // transposeB and a bias returns wrong rows after the first (checked in Node: [[1,2,3],[4,5,6]]).
  const denseOf = ({ shape, data }, b, act) => { const w = transpose2d({ shape, data }); const wt = tf.tensor(w.data, w.shape); return (x) => tf.fused.matMul({ a: x, b: wt, bias: b, activation: act }); };
  const dense = (name, act) => denseOf(W[`${name}.weight`], t(`${name}.bias`), act);
  if (event === 'mlp_sprint') {
    const [f1, f2, f3] = [dense('fc1', 'relu'), dense('fc2', 'relu'), dense('fc3', 'linear')];
    return (x) => f3(f2(f1(x)));
  }
  if (event === 'cnn_marathon') {
    // Filters to HWIO; the classifier's columns permuted from channel-major (C,H,W) to NHWC order.
    const filt = (name) => tf.transpose(tf.tensor(W[`${name}.weight`].data, W[`${name}.weight`].shape), [2, 3, 1, 0]);
    const [k1, k2, b1, b2] = [filt('conv1'), filt('conv2'), t('conv1.bias'), t('conv2.bias')];
    const src = W['fc.weight'].data, perm = new Float32Array(src.length);
    for (let o = 0; o < 10; o++) for (let c = 0; c < 16; c++) for (let p = 0; p < 49; p++) perm[o * 784 + p * 16 + c] = src[o * 784 + c * 49 + p];
    const fc = denseOf({ shape: [10, 784], data: perm }, t('fc.bias'), 'linear');
    return (x) => {
      let y = tf.fused.conv2d({ x: tf.reshape(x, [-1, 28, 28, 1]), filter: k1, strides: 1, pad: 'same', bias: b1, activation: 'relu' });
      y = tf.maxPool(y, 2, 2, 'valid');
      y = tf.maxPool(tf.fused.conv2d({ x: y, filter: k2, strides: 1, pad: 'same', bias: b2, activation: 'relu' }), 2, 2, 'valid');
      return fc(tf.reshape(y, [-1, 784]));
    };
  }
  // Transformer: pre-norm blocks, tanh GELU, LayerNorm ε = 1e-5, mean pooling.
  const [S, D, H] = [64, 64, 4], hd = D / H;
  const ln = (name) => { const g = t(`${name}.weight`), b = t(`${name}.bias`); return (x) => { const { mean, variance } = tf.moments(x, -1, true); return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b); }; };
  const lin = (name, act = 'linear') => { const d = dense(name, act); return (x) => { const [n, s, k] = x.shape; return tf.reshape(d(tf.reshape(x, [n * s, k])), [n, s, -1]); }; };
  const gelu = (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
  const blocks = [];
  for (let l = 0; W[`blocks.${l}.ln1.weight`]; l++) {
    const p = `blocks.${l}`;
    blocks.push({ ln1: ln(`${p}.ln1`), q: lin(`${p}.attn.q`), k: lin(`${p}.attn.k`), v: lin(`${p}.attn.v`), o: lin(`${p}.attn.o`), ln2: ln(`${p}.ln2`), fc1: lin(`${p}.ffn.fc1`), fc2: lin(`${p}.ffn.fc2`) });
  }
  const [tok, pos, lnf, head] = [t('tok_emb.weight'), t('pos_emb.weight'), ln('ln_f'), dense('head', 'linear')];
  const heads = (x) => tf.transpose(tf.reshape(x, [-1, S, H, hd]), [0, 2, 1, 3]);
  return (tokens) => {
    let x = tf.add(tf.gather(tok, tokens), pos);
    for (const b of blocks) {
      const h = b.ln1(x);
      const scores = tf.mul(tf.matMul(heads(b.q(h)), heads(b.k(h)), false, true), 1 / Math.sqrt(hd));
      const ctx = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), heads(b.v(h))), [0, 2, 1, 3]), [-1, S, D]);
      x = tf.add(x, b.o(ctx));
      x = tf.add(x, b.fc2(gelu(b.fc1(b.ln2(x)))));
    }
    return head(tf.mean(lnf(x), 1));
  };
}

async function main() {
  const engine = new EngineWorker();
  status('Timing this engine (bench-kernels, about two minutes)…');
  // ?quick=1: this engine's short bench-kernels run (a smoke check of the page, not figures to quote).
  const ours = await engine.request('bench-kernels', { quick: new URLSearchParams(location.search).get('quick') === '1', models: true });

  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/peers/ort/';
  tf.wasm.setWasmPaths('/peers/tfjs-wasm/');
  tf.wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();

  const rows = [];
  const sessions = {}, models = {};
  for (const [event, batch] of ROWS) {
    status(`Timing onnxruntime-web and tfjs-wasm: ${event}, batch ${batch}…`);
    const W = parseSafetensors(await (await fetch(`/weights/${event}.safetensors`)).arrayBuffer(), event);
    sessions[event] ??= await ort.InferenceSession.create(new Uint8Array(await (await fetch(`/peers/models/${event}.onnx`)).arrayBuffer()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    models[event] ??= tfjsModel(event, W);
    const x = inputs(event, batch);
    const tokens = event === 'transformer_decathlon';
    const classes = tokens ? 4 : 10;
    const reference = new Float32Array(await engine.request('reference-logits', { event, input: x, batch }));
    // What a caller holds: the input in the type each engine takes (tokens as int64 / int32).
    const ortInput = tokens ? BigInt64Array.from(x, (v) => BigInt(v)) : x;
    const tfInput = tokens ? Int32Array.from(x) : x;
    const dims = tokens ? [batch, 64] : [batch, 784];
    const ortCall = async () => (await sessions[event].run({ [tokens ? 'tokens' : 'input']: new ort.Tensor(tokens ? 'int64' : 'float32', ortInput, dims) })).logits.data;
    const tfCall = () => { const y = tf.tidy(() => models[event](tf.tensor(tfInput, dims, tokens ? 'int32' : 'float32'))); const d = y.dataSync(); y.dispose(); return d; };
    const row = { event, batch, onnxruntime_web: compare(reference, await ortCall(), classes), tfjs_wasm: compare(reference, tfCall(), classes) };
    row.onnxruntime_web.ms = await time(ortCall);
    row.tfjs_wasm.ms = await time(async () => tfCall());
    const mine = (path) => ours.models.find((m) => m.event === event && m.batch === batch && m.path === path);
    row.ours = { simd128_js_io_ms: mine('simd128_fp32_js_io')?.median_ms, pct_of_f32x4_peak: mine('simd128_fp32_js_io')?.pct_of_f32x4_peak, relaxed_ms: mine('relaxed_fp32')?.median_ms ?? null };
    row.ratio = Math.min(row.onnxruntime_web.ms, row.tfjs_wasm.ms) / row.ours.simd128_js_io_ms;
    rows.push(row);
  }
  window.__peers = { rows, peak: ours.peak, versions: { 'onnxruntime-web': ort.env.versions?.web, 'tfjs-core': tf.version_core, 'tfjs-backend-wasm': tf.wasm?.version_wasm ?? null }, threads: 1, cross_origin_isolated: crossOriginIsolated };
  status('Done.');
}

main().catch((e) => { window.__peers = { error: String(e?.stack ?? e) }; status(`Error: ${e.message}`); });
