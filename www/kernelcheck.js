// The kernel reader: contestants' WebAssembly modules are validated against the kernel ABI, counted and
// instrumented by a second small module (kernelcheck/web → www/pkg-kernelcheck/), which the worker
// loads only when a custom kernel is inspected or submitted, so a first visit never downloads a
// WebAssembly parser. install() publishes it on globalThis.tinymlperfKernelcheck, where the engine
// module reaches it (src/wasm_api.rs). Only wiring: every check and message is computed in Rust.
const MODULE_URL = new URL('./pkg-kernelcheck/tinymlperf_kernelcheck_web.wasm', import.meta.url);

let loading = null;

async function instantiate() {
  try {
    return (await WebAssembly.instantiateStreaming(fetch(MODULE_URL), {})).instance;
  } catch {
    // Hosts that send the wrong MIME type for .wasm: instantiate from bytes instead.
    const res = await fetch(MODULE_URL);
    if (!res.ok) throw new Error(`could not load the kernel reader (${res.status} ${MODULE_URL.pathname})`);
    return (await WebAssembly.instantiate(await res.arrayBuffer(), {})).instance;
  }
}

/** Loads the kernel reader once and publishes it; resolves to `{ inspect, instrument }`. */
export function install() {
  loading ??= instantiate().then((instance) => {
    const x = instance.exports;
    // Copies `bytes` in, runs `fn`, returns [status, a copy of the output buffer]. A trap (the reader
    // out of memory, say) leaves the instance unusable: the next call loads a fresh one.
    const call = (fn, bytes) => {
      try {
        const p = x.kc_alloc(bytes.length);
        new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
        const status = x[fn](p, bytes.length);
        x.kc_free(p, bytes.length);
        return [status, new Uint8Array(x.memory.buffer, x.kc_out_ptr(), x.kc_out_len()).slice()];
      } catch (e) {
        loading = null;
        delete globalThis.tinymlperfKernelcheck;
        throw new Error(`the kernel reader stopped on this module (${e.message}) and is reloaded for the next one`);
      }
    };
    const text = (b) => new TextDecoder().decode(b);
    globalThis.tinymlperfKernelcheck = {
      /** JSON: `{"ok": report}` or `{"error": …, "message": …}`. */
      inspect: (bytes) => text(call('kc_inspect', bytes)[1]),
      /** The counting copy's bytes; throws an Error whose message is the error JSON. */
      instrument: (bytes) => {
        const [status, out] = call('kc_instrument', bytes);
        if (status !== 0) throw new Error(text(out));
        return out;
      },
    };
    return globalThis.tinymlperfKernelcheck;
  }).catch((e) => { loading = null; throw e; });
  return loading;
}

/** The module's report for the page, or an Error with the reader's message. */
export async function inspect(bytes) {
  const reply = JSON.parse((await install()).inspect(bytes));
  if (reply.error) throw new Error(reply.message);
  return reply.ok;
}
