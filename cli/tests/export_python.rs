//! `tools/export_pytorch.py` driven from Rust: an npz made from the reference weights exported as a
//! package (plain and `--int8`), a smaller student through the importable `export()`, a transformer
//! written with `nn.MultiheadAttention` names, and a mismatch refused with one `error:` line. Every
//! package is loaded with the library. Skips (saying why) when Python, numpy or safetensors is
//! missing: `python3 -m pip install numpy safetensors`.
use std::path::{Path, PathBuf};
use std::process::Command;
use tinymlperf::events::EventId;
use tinymlperf::format::{Dtype, Package};
use tinymlperf::submission::{inspect_package, load_entry};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn script() -> PathBuf {
    Path::new(ROOT).join("tools/export_pytorch.py")
}

/// Why Python cannot run the exporter here, or `None` when it can.
fn python_missing() -> Option<String> {
    match Command::new("python3").args(["-c", "import safetensors, numpy"]).output() {
        Err(e) => Some(format!("python3 is not runnable ({e})")),
        Ok(o) if !o.status.success() => Some(format!("python3 lacks numpy or safetensors ({})", String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("").trim())),
        Ok(_) => None,
    }
}

fn python(args: &[&str]) -> (i32, String, String) {
    let o = Command::new("python3").args(args).current_dir(ROOT).output().expect("python3 runs");
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn python_ok(args: &[&str]) -> String {
    let (code, out, err) = python(args);
    assert_eq!(code, 0, "python3 {args:?}\nstdout:\n{out}\nstderr:\n{err}");
    out
}

#[test]
fn export_pytorch_writes_packages_the_library_loads() {
    if let Some(why) = python_missing() {
        println!("skipping the export_pytorch.py test: {why}; install with `python3 -m pip install numpy safetensors`");
        eprintln!("skipping the export_pytorch.py test: {why}");
        return;
    }
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests/python");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let p = |name: &str| d.join(name).to_str().unwrap().to_string();
    let mlp = EventId::MlpSprint;

    // 1. An npz of named arrays from the reference weights, through the command line.
    python_ok(&["-c", &format!("import numpy as np; from safetensors.numpy import load_file; np.savez({:?}, **load_file('weights/mlp_sprint.safetensors'))", p("ref.npz"))]);
    let s = python_ok(&[script().to_str().unwrap(), "--event", "mlp_sprint", "--from", &p("ref.npz"), "--team", "py", "-o", &p("fp32.safetensors")]);
    assert!(s.contains("mlp:784-128-64-10/relu"), "{s}");
    let bytes = std::fs::read(p("fp32.safetensors")).unwrap();
    let e = load_entry(mlp, &bytes).unwrap();
    let reference = Package::parse(tinymlperf::events::weights(mlp)).unwrap();
    assert_eq!(e.package.data_sha256(), reference.data_sha256(), "the same tensors as the reference");
    assert_eq!(e.package.meta("sha256"), Some(reference.data_sha256().as_str()), "the exporter records the data hash the library checks");
    assert_eq!(e.package.meta("format_version"), Some("2"));
    assert_eq!(e.package.meta("team"), Some("py"));

    // 2. --int8: I8 codes with per-channel scales; the detector credits quantization; the CLI then
    //    adds calibrated activation scales.
    python_ok(&[script().to_str().unwrap(), "--event", "mlp_sprint", "--from", &p("ref.npz"), "--int8", "-o", &p("int8.safetensors")]);
    let bytes = std::fs::read(p("int8.safetensors")).unwrap();
    let e = load_entry(mlp, &bytes).unwrap();
    for layer in ["fc1", "fc2", "fc3"] {
        assert_eq!(e.package.get(&format!("{layer}.weight")).unwrap().dtype, Dtype::I8);
        assert_eq!(e.package.get(&format!("{layer}.weight_scale")).unwrap().shape.len(), 1);
    }
    let q = inspect_package(mlp, &bytes).unwrap().innovation.techniques.into_iter().find(|t| t.id == "quantization").unwrap();
    assert!(q.detected && (q.points - 0.30).abs() < 1e-9, "{q:?}");
    let acc = tinymlperf::models::accuracy(&e.model, &e.kernels, &tinymlperf::events::heldout(mlp)).unwrap();
    assert!(acc >= 0.9709, "int8 export held-out accuracy {acc}");
    let o = Command::new(env!("CARGO_BIN_EXE_tinymlperf-cli")).args(["quantize", "--in", &p("int8.safetensors"), "--int8", "-o", &p("int8-calibrated.safetensors")]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(load_entry(mlp, &std::fs::read(p("int8-calibrated.safetensors")).unwrap()).unwrap().kernels.name, "int8");

    // 3. The importable function, on a smaller student (hidden widths read from the weights).
    let code = format!(
        "import sys; sys.path.insert(0, 'tools'); import numpy as np; from export_pytorch import export\n\
         r = np.random.default_rng(0); f = lambda *s: r.standard_normal(s).astype(np.float32) * 0.05\n\
         sd = {{'fc1.weight': f(48, 784), 'fc1.bias': f(48), 'fc2.weight': f(24, 48), 'fc2.bias': f(24), 'fc3.weight': f(10, 24), 'fc3.bias': f(10)}}\n\
         print(export(sd, 'mlp_sprint', {:?}, description='a tiny student'))",
        p("student.safetensors")
    );
    let s = python_ok(&["-c", &code]);
    assert!(s.contains("mlp:784-48-24-10/relu"), "{s}");
    let e = load_entry(mlp, &std::fs::read(p("student.safetensors")).unwrap()).unwrap();
    assert_eq!(e.model.variant(), "mlp:784-48-24-10/relu");

    // 4. A transformer saved with nn.MultiheadAttention's packed names loads as the reference.
    let code = format!(
        "import sys; sys.path.insert(0, 'tools'); import numpy as np; from export_pytorch import export\n\
         from safetensors.numpy import load_file\n\
         t = load_file('weights/transformer_decathlon.safetensors'); sd = {{}}\n\
         for i in range(2):\n\
         \x20   b = f'blocks.{{i}}.attn.'\n\
         \x20   sd[b + 'in_proj_weight'] = np.concatenate([t.pop(b + p + '.weight') for p in 'qkv'])\n\
         \x20   sd[b + 'in_proj_bias'] = np.concatenate([t.pop(b + p + '.bias') for p in 'qkv'])\n\
         \x20   sd[b + 'out_proj.weight'] = t.pop(b + 'o.weight'); sd[b + 'out_proj.bias'] = t.pop(b + 'o.bias')\n\
         sd.update({{'module.' + k: v for k, v in t.items()}})\n\
         print(export(sd, 'transformer_decathlon', {:?}))",
        p("transformer.safetensors")
    );
    python_ok(&["-c", &code]);
    let e = load_entry(EventId::TransformerDecathlon, &std::fs::read(p("transformer.safetensors")).unwrap()).unwrap();
    let reference = Package::parse(tinymlperf::events::weights(EventId::TransformerDecathlon)).unwrap();
    assert_eq!(e.package.data_sha256(), reference.data_sha256(), "q/k/v/o split back exactly");

    // 5. Names or shapes that do not fit: one error line, status 2, nothing written.
    let (code, out, err) = python(&[script().to_str().unwrap(), "--event", "cnn_marathon", "--from", &p("ref.npz"), "-o", &p("bad.safetensors")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.starts_with("error: not a cnn_marathon model") && err.contains("missing conv1.weight") && err.trim().lines().count() == 1, "{err}");
    assert!(!d.join("bad.safetensors").exists());
    let (code, _, err) = python(&["-c", "import sys; sys.path.insert(0, 'tools'); import numpy as np; from export_pytorch import export\nexport({'fc1.weight': np.zeros((64, 700), np.float32)}, 'mlp_sprint', '/dev/null')"]);
    assert_ne!(code, 0);
    assert!(err.contains("ExportError") && err.contains("fc1.weight has shape [64, 700], mlp_sprint needs [64, 784]"), "{err}");
}
