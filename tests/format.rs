//! Model packages are untrusted input: every kind of damage must give the right typed error with a
//! message that names the problem, and nothing may panic. Runs natively and in wasm.
use tinymlperf::format::{Package, MAX_PACKAGE_BYTES};
use tinymlperf::models::{Cnn, Mlp, Model};
use tinymlperf::Error;

/// A small valid package: two tensors and some metadata.
fn small() -> Package {
    let mut p = Package::new();
    p.insert("fc.weight", vec![2, 3], vec![0.5, -1.0, 2.0, 0.25, 3.5, -0.125]).unwrap();
    p.insert("fc.bias", vec![2], vec![0.1, -0.2]).unwrap();
    p.set_meta("event", "test");
    p
}

/// Offset of the data section in serialized bytes.
fn data_offset(bytes: &[u8]) -> usize {
    8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize
}

fn expect_format(r: Result<Package, Error>, needle: &str) -> String {
    match r {
        Err(e @ Error::Format { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(needle), "message {msg:?} should mention {needle:?}");
            msg
        }
        other => panic!("expected a Format error mentioning {needle:?}, got {other:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn round_trip_is_exact_and_deterministic() {
    let p = small();
    let a = p.to_bytes().unwrap();
    let b = p.clone().to_bytes().unwrap();
    assert_eq!(a, b, "equal packages must serialize to equal bytes");
    let q = Package::parse(&a).unwrap();
    assert_eq!(q.tensor("fc.weight", &[2, 3]).unwrap(), &[0.5, -1.0, 2.0, 0.25, 3.5, -0.125]);
    assert_eq!(q.meta("event"), Some("test"));
    assert_eq!(q.meta("format_version"), Some("2"));
    assert_eq!(q.meta("sha256"), Some(p.data_sha256().as_str()));
    // The recorded hash is the hash of the file's data section.
    assert_eq!(q.data_sha256().len(), 64);
    assert_eq!(Package::parse(&q.to_bytes().unwrap()).unwrap(), q);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn garbage_bytes_are_a_format_error() {
    let garbage: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(matches!(Package::parse(&garbage), Err(Error::Format { .. })));
    expect_format(Package::parse(b""), "shorter than the 8-byte");
    // A valid but empty safetensors header parses as an empty package; the model loaders then ask
    // for their tensors by name.
    assert_eq!(Package::parse(b"\x02\0\0\0\0\0\0\0{}").unwrap().param_count(), 0);
    // A JSON header that is not a safetensors header.
    let mut bad = 12u64.to_le_bytes().to_vec();
    bad.extend_from_slice(b"[1, 2, 3]   ");
    expect_format(Package::parse(&bad), "JSON");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn truncated_header_and_data_are_format_errors() {
    let bytes = small().to_bytes().unwrap();
    let off = data_offset(&bytes);
    expect_format(Package::parse(&bytes[..off / 2]), "truncated");
    expect_format(Package::parse(&bytes[..bytes.len() - 4]), "truncated");
    let mut extra = bytes.clone();
    extra.extend_from_slice(&[0; 4]);
    expect_format(Package::parse(&extra), "trailing");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn absurd_header_length_is_a_format_error() {
    let mut bytes = small().to_bytes().unwrap();
    bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    expect_format(Package::parse(&bytes), "header length");
    bytes[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    expect_format(Package::parse(&bytes), "header length");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn wrong_dtype_is_a_format_error_naming_the_tensor() {
    use safetensors::tensor::{Dtype, TensorView};
    let data = [0u8; 16];
    let view = TensorView::new(Dtype::F8_E4M3, vec![16], &data).unwrap();
    let bytes = safetensors::serialize([("fc.weight", view)], &None).unwrap();
    let msg = expect_format(Package::parse(&bytes), "fc.weight");
    assert!(msg.contains("F8_E4M3") && msg.contains("supported: F64, F32, F16"), "{msg}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn nan_and_infinite_weights_are_rejected_with_tensor_and_index() {
    let bytes = small().to_bytes().unwrap();
    let off = data_offset(&bytes);
    // Data is in name order: fc.bias (2 values) then fc.weight (6 values). Poison fc.weight[4].
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut b = bytes.clone();
        let at = off + 4 * (2 + 4);
        b[at..at + 4].copy_from_slice(&bad.to_le_bytes());
        match Package::parse(&b) {
            Err(e @ Error::NonFinite { .. }) => {
                assert_eq!(e, Error::NonFinite { what: "tensor 'fc.weight'".into(), index: 4 });
                assert!(e.to_string().contains("fc.weight") && e.to_string().contains('4'));
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
    }
    // The builder refuses them too, so the trainer can never write one.
    let mut p = Package::new();
    assert!(matches!(p.insert("w", vec![2], vec![1.0, f32::NAN]), Err(Error::NonFinite { index: 1, .. })));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn silent_data_corruption_fails_the_hash_check() {
    let bytes = small().to_bytes().unwrap();
    let off = data_offset(&bytes);
    let mut b = bytes.clone();
    b[off + 1] ^= 0x40; // still a finite float, still a well-formed file
    expect_format(Package::parse(&b), "hash");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn third_party_files_without_version_or_hash_load_but_wrong_ones_do_not() {
    use safetensors::tensor::{Dtype, TensorView};
    let data = 1.0f32.to_le_bytes();
    let view = TensorView::new(Dtype::F32, vec![1], &data).unwrap();
    // As Python's safetensors writes it: no metadata at all.
    let bytes = safetensors::serialize([("w", view.clone())], &None).unwrap();
    assert_eq!(Package::parse(&bytes).unwrap().tensor("w", &[1]).unwrap(), &[1.0]);
    let meta = Some([("format_version".to_string(), "3".to_string())].into_iter().collect());
    let bytes = safetensors::serialize([("w", view.clone())], &meta).unwrap();
    expect_format(Package::parse(&bytes), "reads versions 1, 2");
    let meta = Some([("sha256".to_string(), "00".repeat(32))].into_iter().collect());
    let bytes = safetensors::serialize([("w", view)], &meta).unwrap();
    expect_format(Package::parse(&bytes), "corrupted");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn typed_tensors_round_trip_in_their_dtype() {
    use tinymlperf::format::Dtype;
    let mut p = Package::new();
    p.insert_typed("q", vec![2, 2], Dtype::I8, vec![-128.0, 0.0, 5.0, 127.0]).unwrap();
    p.insert_typed("h", vec![3], Dtype::F16, vec![0.5, -2.0, 65504.0]).unwrap();
    p.insert_typed("b", vec![2], Dtype::BF16, vec![1.0, -0.5]).unwrap();
    p.insert("f", vec![1], vec![0.1]).unwrap();
    let bytes = p.to_bytes().unwrap();
    let q = Package::parse(&bytes).unwrap();
    assert_eq!(q.tensors().collect::<Vec<_>>(), p.tensors().collect::<Vec<_>>());
    assert_eq!(q.to_bytes().unwrap(), bytes, "writing back gives the same bytes");
    assert_eq!(q.get("q").unwrap().dtype, Dtype::I8);
    assert_eq!(q.stored_bytes(), 4 + 6 + 4 + 4);
    // Values that the dtype cannot hold are refused, not silently rounded.
    for (d, v) in [(Dtype::I8, 128.0), (Dtype::I8, 0.5), (Dtype::F16, 0.1), (Dtype::U8, -1.0)] {
        let e = Package::new().insert_typed("x", vec![1], d, vec![v]).unwrap_err().to_string();
        assert!(e.contains("cannot be stored"), "{d:?} {v}: {e}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn missing_tensor_lists_what_exists() {
    let p = Package::parse(&small().to_bytes().unwrap()).unwrap();
    match p.tensor("fc1.weight", &[128, 784]) {
        Err(e @ Error::Format { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("fc1.weight") && msg.contains("fc.bias, fc.weight"), "{msg}");
        }
        other => panic!("expected Format, got {other:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn wrong_shape_names_the_tensor_even_with_the_same_count() {
    let p = small();
    match p.tensor("fc.weight", &[3, 2]) {
        Err(e @ Error::Shape { expected: 6, got: 6, .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("fc.weight") && msg.contains("[3, 2]") && msg.contains("[2, 3]"), "{msg}");
        }
        other => panic!("expected Shape, got {other:?}"),
    }
    assert!(matches!(p.tensor("fc.bias", &[3]), Err(Error::Shape { expected: 3, got: 2, .. })));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn oversize_input_is_a_limit_error_before_parsing() {
    let big = vec![0u8; MAX_PACKAGE_BYTES + 1];
    match Package::parse(&big) {
        Err(Error::Limit { got, limit, .. }) => {
            assert_eq!(got, MAX_PACKAGE_BYTES as u64 + 1);
            assert_eq!(limit, MAX_PACKAGE_BYTES as u64);
        }
        other => panic!("expected Limit, got {other:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn model_loaders_check_architecture_and_every_shape() {
    // An MLP package with fc2 stored transposed ([in, out]): same element count, must be refused.
    let mut p = Package::new();
    let lin = |p: &mut Package, name: &str, o: usize, i: usize, transpose: bool| {
        let shape = if transpose { vec![i, o] } else { vec![o, i] };
        p.insert(format!("{name}.weight"), shape, vec![0.01; o * i]).unwrap();
        p.insert(format!("{name}.bias"), vec![o], vec![0.0; o]).unwrap();
    };
    lin(&mut p, "fc1", 128, 784, false);
    lin(&mut p, "fc2", 64, 128, true);
    lin(&mut p, "fc3", 10, 64, false);
    let err = Mlp::from_package(&p).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }) && err.to_string().contains("fc2.weight"), "{err}");
    lin(&mut p, "fc2", 64, 128, false);
    let mlp = Mlp::from_package(&p).unwrap();
    assert_eq!(mlp.param_count(), 109_386);
    // The same tensors tagged as a CNN: the architecture check speaks first.
    p.set_meta("architecture", Cnn::ARCHITECTURE);
    let err = Mlp::from_package(&p).unwrap_err();
    assert!(err.to_string().contains("architecture"), "{err}");
    // Model dispatch: the CNN loader then reports the first missing tensor and what exists.
    let err = Model::from_package(&p).unwrap_err();
    assert!(err.to_string().contains("conv1.weight") && err.to_string().contains("fc1.weight"), "{err}");
    p.set_meta("architecture", "resnet50");
    assert!(matches!(Model::from_package(&p), Err(Error::Unknown { .. })));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn no_truncation_or_byte_flip_panics() {
    let bytes = small().to_bytes().unwrap();
    for len in 0..bytes.len() {
        assert!(Package::parse(&bytes[..len]).is_err(), "truncated to {len} bytes must fail");
    }
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            // Either outcome is fine (a flip in JSON whitespace is harmless); a panic is not.
            let _ = Package::parse(&b);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_recorded_hash_is_checked_against_the_files_own_bytes() {
    // One F64 tensor [0.1] whose `sha256` is the hash of its 8 stored bytes (found by the fuzz crate's
    // seeds): 0.1 is not an f32, so hashing the converted value would call a correct file corrupted.
    let p = Package::parse(include_bytes!("fixtures/f64_with_true_hash.safetensors")).unwrap();
    assert!((p.tensor("w", &[1]).unwrap()[0] - 0.1).abs() < 1e-8);
    // And a wide integer that f32 cannot hold exactly.
    use safetensors::tensor::{Dtype, TensorView};
    use sha2::{Digest, Sha256};
    let raw = 16_777_217i32.to_le_bytes();
    let hash: String = Sha256::digest(raw).iter().map(|b| format!("{b:02x}")).collect();
    let meta = Some([("sha256".to_string(), hash)].into_iter().collect());
    let bytes = safetensors::serialize([("n", TensorView::new(Dtype::I32, vec![1], &raw).unwrap())], &meta).unwrap();
    assert_eq!(Package::parse(&bytes).unwrap().tensor("n", &[1]).unwrap(), &[16_777_216.0]);
}
