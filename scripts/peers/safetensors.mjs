// The F32 tensors of a safetensors file, for the peer engines in `npm run bench:peers` (Node and the
// browser page both read the committed reference weights through this).

/** `{ name: { shape, data: Float32Array } }` from the bytes of a safetensors file (F32 tensors only). */
export function parseSafetensors(bytes, what = 'weights') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`${what}: ${name} is ${t.dtype}; only F32 reference weights are converted`);
    const [s, e] = t.data_offsets;
    const data = new Float32Array((e - s) / 4); // a copy: aligned, and independent of Node's Buffer pool
    new Uint8Array(data.buffer).set(u8.subarray(8 + n + s, 8 + n + e));
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
