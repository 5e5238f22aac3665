#!/usr/bin/env python3
"""Export a model's weights to a TinyMLPerf entry package (one safetensors file).

Depends only on numpy and safetensors (`pip install numpy safetensors`). PyTorch is optional: when it
is importable, `export()` also takes an `nn.Module` or a state_dict of torch tensors, and `--from`
also reads `.pt`/`.pth` files; without it, give numpy arrays (`.npz` or `.safetensors`).

    python3 tools/export_pytorch.py --event mlp_sprint --from weights.npz -o entry.safetensors
    python3 tools/export_pytorch.py --event mlp_sprint --from weights.npz --int8 --team me -o entry.safetensors
    python3 tools/export_pytorch.py --event mlp_sprint --from weights.npz -o entry.safetensors --open
    python3 tools/export_pytorch.py --open-only entry.safetensors      # serve a written package, open the page

`--open` serves the package beside the page on 127.0.0.1 and opens `index.html?package=…&event=…` with
it loaded in the submit form (tools/tinymlperf_submit.py; from a notebook: `submit(model, event, team=…)`).

    from export_pytorch import export
    export(model.state_dict(), "mlp_sprint", "entry.safetensors", team="me", int8=True)

Tensor names follow PyTorch (docs/submission-format.md): the MLP's Linear layers `fc1`, `fc2`, `fc3`
(hidden widths read from the weights, so smaller students export too), the CNN's `conv1`, `conv2`,
`fc`, the transformer's `tok_emb`, `pos_emb`, `blocks.{0,1}.{ln1,attn.{q,k,v,o},ln2,ffn.{fc1,fc2}}`,
`ln_f`, `head`. Before anything is written, every name and shape is checked against the event's
table; a mismatch is one clear error. A `module.` prefix (DataParallel) is dropped, and a transformer
using `nn.MultiheadAttention` (`attn.in_proj_*`, `attn.out_proj.*`) is split into q/k/v/o.

`--int8` stores every Linear weight as int8 codes with one float32 scale per output channel
(`<layer>.weight` I8 + `<layer>.weight_scale`; value = code x scale). Activation scales need data,
so the exported layers run with dequantized weights; `tinymlperf-cli quantize --in entry.safetensors
--int8` adds calibrated activation scales (the INT8 kernels) natively. Nothing here trains anything.
"""
import argparse
import hashlib
import sys

try:
    import numpy as np
except ImportError:  # only --open-only (serving a package already written) works without numpy
    np = None

FORMAT_VERSION = "2"
MLP_INPUT, MLP_CLASSES, MAX_HIDDEN = 784, 10, 1024
CNN_ARCH = "cnn:1x28x28/conv3x3-8/relu/maxpool2/conv3x3-16/relu/maxpool2/flatten784/linear10"
TRANSFORMER_ARCH = "transformer:vocab16/seq64/d64/heads4/ffn256/layers2/prenorm/gelu_tanh/ln_eps1e-5/meanpool/classes4"
EVENTS = ("mlp_sprint", "cnn_marathon", "transformer_decathlon")


class ExportError(ValueError):
    """A state dict that does not fit the event's table (the message says what and how to fix it)."""


def _transformer_table():
    d, ffn, vocab, seq, classes = 64, 256, 16, 64, 4
    t = {"tok_emb.weight": (vocab, d), "pos_emb.weight": (seq, d)}
    for i in range(2):
        b = f"blocks.{i}."
        t[b + "ln1.weight"] = t[b + "ln1.bias"] = (d,)
        for p in "qkvo":
            t[f"{b}attn.{p}.weight"] = (d, d)
            t[f"{b}attn.{p}.bias"] = (d,)
        t[b + "ln2.weight"] = t[b + "ln2.bias"] = (d,)
        t[b + "ffn.fc1.weight"], t[b + "ffn.fc1.bias"] = (ffn, d), (ffn,)
        t[b + "ffn.fc2.weight"], t[b + "ffn.fc2.bias"] = (d, ffn), (d,)
    t["ln_f.weight"] = t["ln_f.bias"] = (d,)
    t["head.weight"], t["head.bias"] = (classes, d), (classes,)
    return t


def table(event, tensors=None):
    """The event's tensors as {name: shape} and its architecture string. The MLP's hidden widths are
    read from `fc1.weight` and `fc2.weight` in `tensors` (students of any width 1..1024 load)."""
    if event == "mlp_sprint":
        tensors = tensors or {}
        h1 = _hidden(tensors, "fc1.weight", 128)
        h2 = _hidden(tensors, "fc2.weight", 64)
        t = {
            "fc1.weight": (h1, MLP_INPUT), "fc1.bias": (h1,),
            "fc2.weight": (h2, h1), "fc2.bias": (h2,),
            "fc3.weight": (MLP_CLASSES, h2), "fc3.bias": (MLP_CLASSES,),
        }
        return t, f"mlp:{MLP_INPUT}-{h1}-{h2}-{MLP_CLASSES}/relu"
    if event == "cnn_marathon":
        t = {
            "conv1.weight": (8, 1, 3, 3), "conv1.bias": (8,),
            "conv2.weight": (16, 8, 3, 3), "conv2.bias": (16,),
            "fc.weight": (10, 784), "fc.bias": (10,),
        }
        return t, CNN_ARCH
    if event == "transformer_decathlon":
        return _transformer_table(), TRANSFORMER_ARCH
    raise ExportError(f"unknown event '{event}'; known: {', '.join(EVENTS)}")


def _hidden(tensors, name, default):
    w = tensors.get(name)
    if w is None:
        return default
    if w.ndim != 2 or not 1 <= w.shape[0] <= MAX_HIDDEN:
        raise ExportError(f"{name} has shape {list(w.shape)}; an MLP layer is [out, in] with out in 1..{MAX_HIDDEN}")
    return int(w.shape[0])


def linear_layers(event, names):
    """Prefixes of the Linear layers (the ones --int8 quantizes)."""
    if event == "mlp_sprint":
        return ["fc1", "fc2", "fc3"]
    if event == "cnn_marathon":
        return ["fc"]
    return sorted({n[: -len(".weight")] for n in names if n.endswith(".weight") and (".attn." in n or ".ffn." in n or n == "head.weight")})


def to_numpy(obj):
    """{name: float ndarray} from an nn.Module, a state_dict of torch tensors, or numpy arrays."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        obj = obj.state_dict()
    if hasattr(obj, "files") and hasattr(obj, "__getitem__"):  # np.load(...) of an .npz
        obj = {k: obj[k] for k in obj.files}
    if not isinstance(obj, dict):
        raise ExportError(f"expected an nn.Module, a state_dict or a dict of arrays, got {type(obj).__name__}")
    out = {}
    for name, v in obj.items():
        if hasattr(v, "detach"):  # torch tensor
            v = v.detach().cpu()
            if str(v.dtype) == "torch.bfloat16":
                v = v.float()
            v = v.numpy()
        out[str(name)] = np.asarray(v)
    return out


def normalize_names(tensors, event):
    """Drops a `module.` prefix; splits nn.MultiheadAttention's packed projections into q/k/v/o;
    names a bare `pos_emb` parameter `pos_emb.weight` (and drops a leading batch axis of 1)."""
    out = {}
    for name, v in tensors.items():
        if name.startswith("module."):
            name = name[len("module."):]
        out[name] = v
    if event == "transformer_decathlon":
        for name in list(out):
            if name.endswith("attn.in_proj_weight") or name.endswith("attn.in_proj_bias"):
                v = out.pop(name)
                base, kind = name.rsplit(".in_proj_", 1)
                if v.shape[0] % 3:
                    raise ExportError(f"{name} has shape {list(v.shape)}; in_proj packs q, k, v along axis 0")
                for p, part in zip("qkv", np.split(v, 3, axis=0)):
                    out[f"{base}.{p}.{kind}"] = part
            elif ".attn.out_proj." in name:
                out[name.replace(".attn.out_proj.", ".attn.o.")] = out.pop(name)
        if "pos_emb" in out and "pos_emb.weight" not in out:
            out["pos_emb.weight"] = out.pop("pos_emb")
        if "pos_emb.weight" in out and out["pos_emb.weight"].ndim == 3 and out["pos_emb.weight"].shape[0] == 1:
            out["pos_emb.weight"] = out["pos_emb.weight"][0]
    return out


def check(tensors, event):
    """Checks names and shapes against the event's table; returns its architecture string."""
    want, arch = table(event, tensors)
    missing = [n for n in want if n not in tensors]
    extra = sorted(n for n in tensors if n not in want)
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if extra:
        problems.append("unexpected " + ", ".join(extra))
    for n, shape in want.items():
        if n in tensors and tuple(tensors[n].shape) != tuple(shape):
            problems.append(f"{n} has shape {list(tensors[n].shape)}, {event} needs {list(shape)}")
    for n, v in tensors.items():
        if n in want:
            if not np.issubdtype(v.dtype, np.floating):
                problems.append(f"{n} is {v.dtype}; export float weights (use int8=True to quantize)")
            elif not np.all(np.isfinite(v)):
                problems.append(f"{n} has non-finite values")
    if problems:
        raise ExportError(f"not a {event} model ({arch}): " + "; ".join(problems) + f". Expected tensors: {', '.join(want)}")
    return arch


def quantize_rows(w):
    """Symmetric per-output-channel int8: codes in -127..127 and one positive float32 scale per row."""
    w = w.astype(np.float32)
    absmax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(absmax > 0, absmax / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(w / scale.reshape((-1,) + (1,) * (w.ndim - 1))), -127, 127).astype(np.int8)
    return codes, scale


def data_sha256(tensors):
    """The package's `sha256` metadata: every tensor's stored bytes (little-endian), in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(np.ascontiguousarray(tensors[name]).astype(tensors[name].dtype.newbyteorder("<"), copy=False).tobytes())
    return h.hexdigest()


def export(state_dict, event, path, int8=False, team=None, description=None, url=None, kernels=None, **extra_meta):
    """Writes `state_dict` (nn.Module, torch or numpy dict) as a package for `event` at `path`.
    Returns a summary dict. Raises ExportError (a ValueError) when names or shapes do not fit."""
    if np is None:
        raise ExportError("exporting needs numpy and safetensors: python3 -m pip install numpy safetensors")
    from safetensors.numpy import save_file

    if event not in EVENTS:
        raise ExportError(f"unknown event '{event}'; known: {', '.join(EVENTS)}")
    tensors = normalize_names(to_numpy(state_dict), event)
    arch = check(tensors, event)
    out = {}
    for n, v in tensors.items():
        # float16 is kept (the reference weights' own storage); every other float becomes float32.
        out[n] = np.ascontiguousarray(v if v.dtype == np.float16 else v.astype(np.float32))
    quantized = []
    if int8:
        for layer in linear_layers(event, out):
            codes, scale = quantize_rows(out[f"{layer}.weight"])
            out[f"{layer}.weight"], out[f"{layer}.weight_scale"] = codes, scale
            quantized.append(layer)
    meta = {"event": event, "architecture": arch, "format_version": FORMAT_VERSION, "exporter": "tools/export_pytorch.py"}
    for key, value in [("team", team), ("description", description), ("url", url), ("kernels", kernels)]:
        if value is not None:
            meta[key] = str(value)
    meta.update({str(k): str(v) for k, v in extra_meta.items() if v is not None})
    meta["sha256"] = data_sha256(out)
    save_file(out, str(path), metadata=meta)
    params = int(sum(tensors[n].size for n in tensors))
    return {"path": str(path), "event": event, "architecture": arch, "params": params, "int8_layers": quantized, "tensors": len(out)}


def _load(path):
    p = str(path)
    if p.endswith(".npz"):
        with np.load(p) as z:
            return {k: z[k] for k in z.files}
    if p.endswith(".safetensors"):
        from safetensors.numpy import load_file

        return load_file(p)
    if p.endswith((".pt", ".pth", ".bin")):
        try:
            import torch
        except ImportError:
            raise ExportError(f"{p}: reading PyTorch files needs torch; without it, save the weights as .npz (np.savez)")
        return torch.load(p, map_location="cpu")
    raise ExportError(f"{p}: give an .npz, .safetensors or (with torch) .pt/.pth file")


def main(argv=None):
    import os

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from tinymlperf_submit import add_serve_arguments, serve_cli  # standard library only

    ap = argparse.ArgumentParser(description="Export weights to a TinyMLPerf entry package.")
    ap.add_argument("--event", choices=EVENTS, help="required, except with --open-only (default: the package's metadata)")
    ap.add_argument("--from", dest="src", help="weights: .npz of named arrays, .safetensors, or .pt/.pth with torch")
    ap.add_argument("-o", "--out", help="output .safetensors")
    ap.add_argument("--int8", action="store_true", help="int8 per-output-channel Linear weights")
    ap.add_argument("--team")
    ap.add_argument("--description")
    ap.add_argument("--url")
    ap.add_argument("--kernels", choices=["scalar", "simd128", "int8", "sparse"])
    ap.add_argument("--open", action="store_true", help="then serve the package beside the page on 127.0.0.1 and open the page with it loaded (tools/tinymlperf_submit.py)")
    ap.add_argument("--open-only", metavar="FILE", help="no export: serve an already written package and open the page with it loaded")
    add_serve_arguments(ap)
    a = ap.parse_args(argv)
    if a.open_only:
        return serve_cli(a.open_only, a.event, a.team, a)
    missing = [flag for flag, v in (("--event", a.event), ("--from", a.src), ("-o", a.out)) if not v]
    if missing:
        ap.error(f"{', '.join(missing)} required (or --open-only FILE to serve a package already written)")
    try:
        if np is None:
            raise ExportError("exporting needs numpy and safetensors: python3 -m pip install numpy safetensors")
        s = export(_load(a.src), a.event, a.out, int8=a.int8, team=a.team, description=a.description, url=a.url, kernels=a.kernels)
    except (ExportError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    q = f", int8: {', '.join(s['int8_layers'])}" if s["int8_layers"] else ""
    print(f"wrote {s['path']}: {s['event']}, {s['architecture']}, {s['params']} parameters, {s['tensors']} tensors{q}", flush=True)
    return serve_cli(a.out, a.event, None, a) if a.open else 0


if __name__ == "__main__":
    sys.exit(main())
