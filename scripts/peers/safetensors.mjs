// The float tensors of a safetensors file as f32, for the peer engines in `npm run bench:peers` (Node
// and the browser page both read the committed reference weights, stored F16, through this).

/** IEEE half-precision bits → the f32 value (exact: every half is an f32). */
function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** `{ name: { shape, data: Float32Array } }` from the bytes of a safetensors file (F32 and F16 tensors). */
export function parseSafetensors(bytes, what = 'weights') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [s, e] = t.data_offsets;
    let data;
    if (t.dtype === 'F32') {
      data = new Float32Array((e - s) / 4); // a copy: aligned, and independent of Node's Buffer pool
      new Uint8Array(data.buffer).set(u8.subarray(8 + n + s, 8 + n + e));
    } else if (t.dtype === 'F16') {
      data = new Float32Array((e - s) / 2);
      for (let i = 0; i < data.length; i++) data[i] = halfToFloat(view.getUint16(8 + n + s + 2 * i, true));
    } else {
      throw new Error(`${what}: ${name} is ${t.dtype}; only F32 and F16 reference weights are converted`);
    }
    out[name] = { shape: t.shape, data };
  }
  return out;
}

/** `[rows, cols]` → `[cols, rows]`. */
export function transpose2d({ shape: [r, c], data }) {
  const t = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = data[i * c + j];
  return { shape: [c, r], data: t };
}
