// Relaxed SIMD where the browser has it (for www/worker.js). The engine's own module holds no
// relaxed-SIMD instruction (it must compile everywhere SIMD128 does); its relaxed kernels are a second,
// tiny module, www/pkg-relaxed/tinymlperf_relaxed.wasm, that owns no memory: it imports the engine's. Once per
// worker: validate a probe; where it passes, instantiate that module on the engine's memory, publish its
// exports on globalThis.tinymlperfRelaxed (the engine's imports read them there) and let the engine
// check and install them (useRelaxedSimd). Anything failing leaves the SIMD128 kernels in place.

// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
const PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);
const MODULE_URL = new URL('./pkg-relaxed/tinymlperf_relaxed.wasm', import.meta.url);

/** Whether this browser compiles relaxed-SIMD instructions. */
export const supported = () => WebAssembly.validate(PROBE);

/** Installs the relaxed kernels in `engine` (whose instance exports are `exports`); the variant name, or null. */
export async function install(engine, exports) {
  if (!supported() || typeof engine.useRelaxedSimd !== 'function' || !exports?.memory) return null;
  try {
    const res = await fetch(MODULE_URL);
    if (!res.ok) return null;
    const { instance } = await WebAssembly.instantiate(await res.arrayBuffer(), { env: { memory: exports.memory } });
    globalThis.tinymlperfRelaxed = instance.exports;
    return engine.useRelaxedSimd();
  } catch (e) {
    console.warn(`relaxed SIMD not used: ${e.message ?? e}`);
    return null;
  }
}
