#!/usr/bin/env python3
"""Writes small valid model packages into corpus/package_parse/ (next to the committed weights).

The committed weights are 37-440 KB, so every execution on them hashes the whole data section; these
few-hundred-byte packages let libFuzzer explore the header and round-trip paths much faster. The byte
layout mirrors Package::to_bytes: 8-byte little-endian header length, compact JSON with sorted keys,
space-padded to a multiple of 8, then the F32 data in tensor-name order.
"""
import hashlib, json, os, struct, sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "package_parse")


# safetensors dtype -> struct format of one little-endian value ("e" is IEEE half; BF16 is special-cased).
FMT = {"F64": "d", "F32": "f", "F16": "e", "BF16": None, "I64": "q", "I32": "i", "I16": "h", "I8": "b",
       "U64": "Q", "U32": "I", "U16": "H", "U8": "B", "BOOL": "?"}


def encode(dtype, values):
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    return struct.pack("<%d%s" % (len(values), FMT[dtype]), *values)


def package(tensors, meta=None, version="1", sha=True):
    """tensors: name -> (shape, values) for F32, or (shape, values, dtype)."""
    meta = dict(meta or {})
    data, header, off = b"", {}, 0
    for name in sorted(tensors):
        shape, values, dtype = (tensors[name] + ("F32",))[:3]
        raw = encode(dtype, values)
        header[name] = {"data_offsets": [off, off + len(raw)], "dtype": dtype, "shape": shape}
        off += len(raw)
        data += raw
    if version is not None:
        meta["format_version"] = version
    if sha:
        meta["sha256"] = hashlib.sha256(data).hexdigest()
    header["__metadata__"] = dict(sorted(meta.items()))
    js = json.dumps(dict(sorted(header.items())), separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)
    return struct.pack("<Q", len(js)) + js + data


SEEDS = {
    "seed_empty": package({}),
    "seed_scalar": package({"s": ([], [1.5])}, {"event": "demo"}),
    "seed_zero_sized": package({"z": ([0, 3], [])}),
    "seed_one": package({"fc.weight": ([2, 3], [1, 2, 3, 4, 5, 6])}, {"event": "demo"}),
    "seed_mlp": package(
        {
            "fc1.bias": ([4], [0.1, -0.2, 0.3, -0.0]),
            "fc1.weight": ([4, 2], [1e-30, -1e30, 3.4e38, -3.4e38, 1, -1, 0.5, 2]),
            "fc2.bias": ([2], [0, 0]),
            "fc2.weight": ([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]),
        },
        {"architecture": "mlp:2-4-2/relu", "event": "mlp_sprint", "training_seed": "1", "heldout_accuracy": "0.5"},
    ),
    # Format version 2: typed tensors (INT8 layer with scales), submission keys, optional version/hash.
    "seed_v2_int8": package(
        {
            "fc1.bias": ([4], [0.1, -0.2, 0.3, 0.0]),
            "fc1.input_scale": ([], [0.0078125]),
            "fc1.weight": ([4, 2], [-128, 127, 0, 1, -1, 5, 64, -64], "I8"),
            "fc1.weight_scale": ([4], [0.5, 0.25, 0.125, 1.0]),
        },
        {"event": "mlp_sprint", "kernels": "int8", "team": "fuzz", "description": "d", "url": "https://example.com"},
        version="2",
    ),
    "seed_v2_no_version_no_hash": package({"w": ([2], [1.0, 2.0], "F16")}, version=None, sha=False),
    "seed_python_style": package({"w": ([1, 2], [3, 4], "I32")}, {"format": "pt"}, version=None, sha=False),
}

# Every dtype, edge values included. With the hash, Package::parse rejects this file: its lossy values
# (0.1 as F64, integers beyond 2^24) re-encode from f32 to different bytes, and Package::data_sha256
# hashes the re-encoded values, not the file's data section. Without the hash it is accepted.
ALLTYPES = {
    "a64": ([2], [0.1, -1.0], "F64"),
    "b16": ([3], [1.0, -2.5, 65504.0], "F16"),
    "bf": ([2], [1.0, -3.0], "BF16"),
    "bool": ([3], [True, False, True], "BOOL"),
    "i16": ([2], [-32768, 32767], "I16"),
    "i32": ([2], [-2147483648, 16777217], "I32"),
    "i64": ([2], [-(2**63), 2**63 - 1], "I64"),
    "u16": ([1], [65535], "U16"),
    "u32": ([1], [4294967295], "U32"),
    "u64": ([1], [2**64 - 1], "U64"),
    "u8": ([2, 1], [0, 255], "U8"),
}
SEEDS["seed_v2_alltypes"] = package(ALLTYPES, version="2")
SEEDS["seed_v2_alltypes_nohash"] = package(ALLTYPES, version="2", sha=False)

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, b in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(b)
    print(f"wrote {len(SEEDS)} seeds to {OUT}", file=sys.stderr)
