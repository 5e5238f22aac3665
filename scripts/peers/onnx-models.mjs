// The three events' reference models as ONNX graphs (opset 20), built from the committed safetensors
// weights with onnx-proto, for onnxruntime-web in `npm run bench:peers`. Each graph computes exactly
// what src/models/ computes: the same layers, layouts and activations (GELU with the tanh form,
// LayerNorm ε = 1e-5, mean pooling). Inputs: `input` (batch × 784 pixels, float) or `tokens`
// (batch × 64 token ids, int64); output `logits`.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseSafetensors, transpose2d } from './safetensors.mjs';

/** Builds ONNX model bytes for `event` from its weights file; needs onnx-proto under `nodeModules`. */
export function onnxModel(event, weightsFile, nodeModules) {
  const { onnx } = createRequire(`${nodeModules}/`)('onnx-proto');
  const W = parseSafetensors(fs.readFileSync(weightsFile), weightsFile);
  const FLOAT = onnx.TensorProto.DataType.FLOAT, INT64 = onnx.TensorProto.DataType.INT64;
  const nodes = [], inits = [];
  let uid = 0;
  const fresh = (p) => `${p}_${uid++}`;
  const init = (name, shape, data, type = FLOAT) => {
    const raw = type === INT64 ? Buffer.from(new BigInt64Array(data.map(BigInt)).buffer) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    inits.push(onnx.TensorProto.create({ name, dims: shape, dataType: type, rawData: raw }));
    return name;
  };
  const attr = (name, v) => {
    const A = onnx.AttributeProto.AttributeType;
    if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: Buffer.from(v) });
    if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: v });
    if (Number.isInteger(v)) return onnx.AttributeProto.create({ name, type: A.INT, i: v });
    return onnx.AttributeProto.create({ name, type: A.FLOAT, f: v });
  };
  const op = (opType, inputs, attrs = {}, out = fresh(opType)) => {
    nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [out], attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) }));
    return out;
  };
  // x·Wᵀ + b for a PyTorch-layout weight `[out, in]`, stored pre-transposed as `[in, out]`.
  const linear = (x, name) => {
    const w = transpose2d(W[`${name}.weight`]);
    return op('Add', [op('MatMul', [x, init(`${name}.wT`, w.shape, w.data)]), init(`${name}.b`, W[`${name}.bias`].shape, W[`${name}.bias`].data)]);
  };
  const gemm = (x, name) => op('Gemm', [x, init(`${name}.w`, W[`${name}.weight`].shape, W[`${name}.weight`].data), init(`${name}.b`, W[`${name}.bias`].shape, W[`${name}.bias`].data)], { transB: 1 });
  const layerNorm = (x, name) => op('LayerNormalization', [x, init(`${name}.g`, W[`${name}.weight`].shape, W[`${name}.weight`].data), init(`${name}.beta`, W[`${name}.bias`].shape, W[`${name}.bias`].data)], { axis: -1, epsilon: 1e-5 });
  const shape = (dims) => init(fresh('shape'), [dims.length], dims, INT64);
  let input, inputType, classes;
  if (event === 'mlp_sprint') {
    input = 'input'; inputType = FLOAT; classes = 10;
    op('Identity', [gemm(op('Relu', [gemm(op('Relu', [gemm(input, 'fc1')]), 'fc2')]), 'fc3')], {}, 'logits');
  } else if (event === 'cnn_marathon') {
    input = 'input'; inputType = FLOAT; classes = 10;
    const conv = (x, name) => op('Conv', [x, init(`${name}.w`, W[`${name}.weight`].shape, W[`${name}.weight`].data), init(`${name}.b`, W[`${name}.bias`].shape, W[`${name}.bias`].data)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const pool = (x) => op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    let x = op('Reshape', [input, shape([-1, 1, 28, 28])]);
    x = pool(op('Relu', [conv(x, 'conv1')]));
    x = pool(op('Relu', [conv(x, 'conv2')]));
    op('Identity', [gemm(op('Flatten', [x], { axis: 1 }), 'fc')], {}, 'logits');
  } else if (event === 'transformer_decathlon') {
    input = 'tokens'; inputType = INT64; classes = 4;
    const [S, D, H] = [64, 64, 4];
    const hd = D / H;
    let x = op('Add', [op('Gather', [init('tok_emb', W['tok_emb.weight'].shape, W['tok_emb.weight'].data), input]), init('pos_emb', W['pos_emb.weight'].shape, W['pos_emb.weight'].data)]);
    for (let l = 0; W[`blocks.${l}.ln1.weight`]; l++) {
      const p = `blocks.${l}`;
      const h = layerNorm(x, `${p}.ln1`);
      const heads = (t, perm) => op('Transpose', [op('Reshape', [t, shape([0, S, H, hd])])], { perm });
      const q = heads(linear(h, `${p}.attn.q`), [0, 2, 1, 3]);
      const kT = heads(linear(h, `${p}.attn.k`), [0, 2, 3, 1]);
      const v = heads(linear(h, `${p}.attn.v`), [0, 2, 1, 3]);
      const scores = op('Mul', [op('MatMul', [q, kT]), init(fresh('scale'), [], new Float32Array([1 / Math.sqrt(hd)]))]);
      const ctx = op('MatMul', [op('Softmax', [scores], { axis: -1 }), v]);
      const a = op('Reshape', [op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), shape([0, S, D])]);
      x = op('Add', [x, linear(a, `${p}.attn.o`)]);
      const f = op('Gelu', [linear(layerNorm(x, `${p}.ln2`), `${p}.ffn.fc1`)], { approximate: 'tanh' });
      x = op('Add', [x, linear(f, `${p}.ffn.fc2`)]);
    }
    const pooled = op('ReduceMean', [layerNorm(x, 'ln_f'), init('pool_axes', [1], [1], INT64)], { keepdims: 0 });
    op('Identity', [linear(pooled, 'head')], {}, 'logits');
  } else {
    throw new Error(`no ONNX graph for event '${event}'`);
  }
  const dim = (d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const value = (name, type, dims) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: type, shape: { dim: dims.map(dim) } } } });
  const inputDims = event === 'transformer_decathlon' ? ['batch', 64] : ['batch', 784];
  const graph = onnx.GraphProto.create({ name: event, node: nodes, initializer: inits, input: [value(input, inputType, inputDims)], output: [value('logits', FLOAT, ['batch', classes])] });
  const model = onnx.ModelProto.create({ irVersion: 9, producerName: 'tinymlperf bench:peers', opsetImport: [{ domain: '', version: 20 }], graph });
  return onnx.ModelProto.encode(model).finish();
}
