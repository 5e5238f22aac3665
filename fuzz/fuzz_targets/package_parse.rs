//! Fuzz `Package::parse` on untrusted bytes. It must never panic, and anything it accepts must
//! survive a round trip through `to_bytes`.
//!
//! Round trip: `parse(to_bytes(p))` must equal `p` except for the two bookkeeping keys that
//! `to_bytes` documents it overwrites: `format_version` (always the current `FORMAT_VERSION`, so a
//! version-1 or version-less file comes back as version 2) and `sha256` (always the lowercase hex of
//! `data_sha256()`, even if the input had none or spelled it in uppercase). Everything else is compared
//! strictly: metadata, tensor names, shapes, dtypes, and the values bit for bit. `to_bytes` must also
//! be a fixed point: writing the re-parsed package gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlperf::format::{Package, FORMAT_VERSION, META_FORMAT_VERSION, META_SHA256};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Package::parse(data) else { return };
    let bytes = p.to_bytes().unwrap_or_else(|e| panic!("to_bytes failed on a package parse accepted: {e}"));
    let q = Package::parse(&bytes).unwrap_or_else(|e| panic!("parse rejected to_bytes output: {e}"));

    let mut want = p.clone();
    want.set_meta(META_FORMAT_VERSION, FORMAT_VERSION);
    want.set_meta(META_SHA256, p.data_sha256());
    assert_eq!(want.metadata(), q.metadata(), "round trip changed the metadata");
    assert!(want.names().eq(q.names()), "round trip changed the tensor names");
    for ((name, a), (_, b)) in want.tensors().zip(q.tensors()) {
        assert_eq!((&a.shape, a.dtype), (&b.shape, b.dtype), "round trip changed tensor '{name}'s shape or dtype");
        let bits = |t: &[f32]| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.data), bits(&b.data), "round trip changed tensor '{name}'s values");
    }
    assert_eq!(want, q);

    let again = q.to_bytes().unwrap_or_else(|e| panic!("second to_bytes failed: {e}"));
    assert_eq!(bytes, again, "to_bytes is not a fixed point");
});
