//! The CLI end to end: every command on the MLP through the real binary, the packages it writes
//! loaded with the library (`submission::load_entry`) and seen by the innovation detector, bad input
//! answered with one `error:` line and exit status 2, and the committed distilled student through
//! the gate.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tinymlperf::events::EventId;
use tinymlperf::format::{Dtype, Package};
use tinymlperf::scoring::{Division, Innovation};
use tinymlperf::submission::{inspect_package, load_entry};

const BIN: &str = env!("CARGO_BIN_EXE_tinymlperf-cli");
/// The distilled student made by `distill --event mlp_sprint --student 784-64-32-10 --epochs 30` with
/// the default recipe (see tools/README.md).
const STUDENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mlp_sprint_student.safetensors");
const MLP: EventId = EventId::MlpSprint;

fn dir(test: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests").join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cli(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the CLI binary runs")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let o = cli(args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{args:?} failed\nstdout:\n{out}\nstderr:\n{err}");
    out
}

/// Runs a command that must fail with status 2 and one `error:` line; returns that line.
fn fails(args: &[&str]) -> String {
    let o = cli(args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail with status 2\nstdout:\n{out}\nstderr:\n{err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{args:?}: one error line expected, got:\n{err}");
    assert!(lines[0].starts_with("error: "), "{args:?}: {err}");
    lines[0].to_string()
}

fn technique<'a>(inn: &'a Innovation, id: &str) -> &'a tinymlperf::scoring::Technique {
    inn.techniques.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("no technique {id}"))
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn quantize_writes_an_int8_package_the_detector_credits() {
    let d = dir("quantize");
    let out = d.join("int8.safetensors");
    let report = ok(&["quantize", "--event", "mlp_sprint", "--int8", "-o", out.to_str().unwrap()]);
    assert!(report.contains("fc1") && report.contains("input scale"), "{report}");
    let bytes = read(&out);
    let e = load_entry(MLP, &bytes).unwrap();
    assert_eq!(e.kernels.name, "int8");
    for layer in ["fc1", "fc2", "fc3"] {
        assert_eq!(e.package.get(&format!("{layer}.weight")).unwrap().dtype, Dtype::I8, "{layer}");
        assert!(e.package.get(&format!("{layer}.input_scale")).is_some(), "{layer} has a calibrated input scale");
    }
    assert_eq!(e.package.meta("event"), Some("mlp_sprint"));
    assert!(e.package.meta("heldout_accuracy").is_none(), "the reference's accuracy is not carried over");
    let ins = inspect_package(MLP, &bytes).unwrap();
    let q = technique(&ins.innovation, "quantization");
    assert!(q.detected && (q.points - 0.30).abs() < 1e-9, "{q:?}");
    assert!(technique(&ins.innovation, "custom_kernels").evidence.iter().any(|l| l.contains("INT8 kernels run 3 of 3")));

    // verify: the event comes from the metadata; INT8 stays in the closed division.
    let v = ok(&["verify", out.to_str().unwrap(), "--seed", "1"]);
    assert!(v.contains("closed division") && v.contains("[x] Quantization"), "{v}");
    // Re-quantizing its own output (--in) works and gives the same codes.
    let again = d.join("again.safetensors");
    ok(&["quantize", "--in", out.to_str().unwrap(), "--int8", "-o", again.to_str().unwrap()]);
    let (a, b) = (Package::parse(&bytes).unwrap(), Package::parse(&read(&again)).unwrap());
    assert_eq!(a.get("fc1.weight"), b.get("fc1.weight"));
}

#[test]
fn pruning_keeps_each_layers_stored_dtype() {
    let d = dir("prune_dtypes");
    // An INT8 package: the pruned layers are re-quantized with their input scales (zeros → code 0).
    let int8 = d.join("int8.safetensors");
    ok(&["quantize", "--event", "mlp_sprint", "--int8", "-o", int8.to_str().unwrap()]);
    let pruned = d.join("int8-pruned.safetensors");
    ok(&["prune", "--in", int8.to_str().unwrap(), "--sparsity", "0.5", "-o", pruned.to_str().unwrap()]);
    let e = load_entry(MLP, &read(&pruned)).unwrap();
    let w = e.package.get("fc1.weight").unwrap();
    assert_eq!(w.dtype, Dtype::I8);
    assert!(e.package.get("fc1.input_scale").is_some());
    assert!((w.data.iter().filter(|v| **v == 0.0).count() as f64 / w.data.len() as f64 - 0.5).abs() < 0.005);
    let ins = inspect_package(MLP, &read(&pruned)).unwrap();
    assert!(technique(&ins.innovation, "quantization").detected && technique(&ins.innovation, "pruning").detected);
    // Python's fixture: fc1 I8 codes with scales but no input scale, fc2 F16; both stay so.
    let py = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/python_mlp_int8_fp16.safetensors");
    let out = d.join("py-pruned.safetensors");
    ok(&["prune", "--in", py, "--sparsity", "0.5", "-o", out.to_str().unwrap()]);
    let p = load_entry(MLP, &read(&out)).unwrap().package;
    assert_eq!(p.get("fc1.weight").unwrap().dtype, Dtype::I8);
    assert!(p.get("fc1.weight_scale").is_some() && p.get("fc1.input_scale").is_none());
    assert_eq!(p.get("fc2.weight").unwrap().dtype, Dtype::F16);
    assert_eq!(p.meta("team"), Some("python fixture"), "the source's own metadata is kept");
}

#[test]
fn prune_unstructured_and_both_block_shapes_are_detected() {
    let d = dir("prune");
    for (name, extra) in [("unstructured", vec![]), ("4x1", vec!["--structured", "4x1"]), ("1x8", vec!["--structured", "1x8"])] {
        let out = d.join(format!("{name}.safetensors"));
        let mut args = vec!["prune", "--event", "mlp_sprint", "--sparsity", "0.8", "-o", out.to_str().unwrap()];
        args.extend(extra);
        let report = ok(&args);
        assert!(report.contains("fc1") && report.contains("80.0% zeros"), "{name}: {report}");
        let bytes = read(&out);
        let e = load_entry(MLP, &bytes).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(e.kernels.name, "sparse", "{name}: a pruned package runs the sparse table");
        let fc1 = e.package.get("fc1.weight").unwrap();
        let zeros = fc1.data.iter().filter(|v| **v == 0.0).count() as f64 / fc1.data.len() as f64;
        assert!((zeros - 0.8).abs() < 0.005, "{name}: fc1 {zeros}");
        let fc3 = e.package.get("fc3.weight").unwrap();
        assert!(fc3.data.iter().all(|v| *v != 0.0), "{name}: the classifier head stays dense");
        let ins = inspect_package(MLP, &bytes).unwrap();
        let p = technique(&ins.innovation, "pruning");
        assert!(p.detected && p.points > 0.24, "{name}: {p:?}");
        if name == "1x8" {
            assert!(p.evidence[0].contains("mostly structured"), "{name}: {p:?}");
        }
        if name == "4x1" {
            // In the file's [out, in] layout every zero sits in a run of 4 zeros at in = 4b..4b+4.
            let (rows, cols) = (fc1.shape[0], fc1.shape[1]);
            for o in 0..rows {
                for b in 0..cols / 4 {
                    let block = &fc1.data[o * cols + 4 * b..o * cols + 4 * b + 4];
                    let z = block.iter().filter(|v| **v == 0.0).count();
                    assert!(z == 0 || z == 4, "4x1: row {o} block {b} has {z} zeros: {block:?}");
                }
            }
        }
    }
    // Per-layer sparsities: the library's closed-division unstructured plan (fc1 80%, fc2 60%).
    let plan = d.join("plan.safetensors");
    ok(&["prune", "--event", "mlp_sprint", "--sparsity", "0.8", "--layers", "fc1,fc2=0.6", "-o", plan.to_str().unwrap()]);
    let p = Package::parse(&read(&plan)).unwrap();
    let fc2 = p.get("fc2.weight").unwrap();
    let z2 = fc2.data.iter().filter(|v| **v == 0.0).count() as f64 / fc2.data.len() as f64;
    assert!((z2 - 0.6).abs() < 0.005, "fc2 {z2}");
    let v = ok(&["verify", plan.to_str().unwrap(), "--seed", "2"]);
    assert!(v.contains("[x] Pruning"), "{v}");
}

#[test]
fn inspect_prints_tensors_kernels_and_every_technique() {
    let d = dir("inspect");
    let out = d.join("int8.safetensors");
    ok(&["quantize", "--event", "mlp_sprint", "--int8", "-o", out.to_str().unwrap(), "--team", "cli test"]);
    let s = ok(&["inspect", out.to_str().unwrap()]);
    for want in ["event     mlp_sprint", "kernels   int8", "fc1.weight", "int8", "[128, 784]", "team", "cli test", "[x] Quantization", "[ ] Distillation", "[x] Compression", "score"] {
        assert!(s.contains(want), "missing '{want}' in:\n{s}");
    }
    let json = ok(&["inspect", out.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["event"], "mlp_sprint");
    assert_eq!(v["kernels"], "int8");
    // The reference package itself: nothing detected but the kernels, and the simd128 note natively.
    let r = ok(&["inspect", concat!(env!("CARGO_MANIFEST_DIR"), "/../weights/mlp_sprint.safetensors")]);
    assert!(r.contains("kernels   simd128") && r.contains("[ ] Pruning"), "{r}");
}

#[test]
fn verify_rejects_an_entry_far_below_the_reference_with_status_1() {
    let d = dir("verify_reject");
    let out = d.join("4x1-90.safetensors");
    ok(&["prune", "--event", "mlp_sprint", "--sparsity", "0.9", "--structured", "4x1", "-o", out.to_str().unwrap()]);
    let o = cli(&["verify", out.to_str().unwrap(), "--seed", "3"]);
    let (s, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{s}\n{err}");
    assert!(s.contains("REJECTED") && s.contains("fresh inputs"), "{s}");
}

#[test]
fn bad_input_is_one_error_line_and_status_2() {
    let d = dir("errors");
    let junk = d.join("junk.safetensors");
    std::fs::write(&junk, b"not a safetensors file at all").unwrap();
    let cnn = concat!(env!("CARGO_MANIFEST_DIR"), "/../weights/cnn_marathon.safetensors");
    let out = d.join("x.safetensors");
    let o = out.to_str().unwrap();
    let missing = d.join("missing.safetensors");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["frobnicate"], "unknown command"),
        (vec!["quantize", "--event", "mlp_sprint", "-o", o], "--int8"),
        (vec!["quantize", "--int8", "-o", o], "--event is required"),
        (vec!["quantize", "--event", "mlp_sprint", "--int8"], "-o"),
        (vec!["quantize", "--event", "mlp_marathon", "--int8", "-o", o], "unknown event 'mlp_marathon'"),
        (vec!["quantize", "--event", "mlp_sprint", "--int8", "--bogus", "-o", o], "unknown option '--bogus'"),
        (vec!["prune", "--event", "mlp_sprint", "-o", o], "--sparsity"),
        (vec!["prune", "--event", "mlp_sprint", "--sparsity", "1.5", "-o", o], "between 0 and 1"),
        (vec!["prune", "--event", "mlp_sprint", "--sparsity", "abc", "-o", o], "--sparsity expects"),
        (vec!["prune", "--event", "mlp_sprint", "--sparsity", "0.5", "--structured", "2x2", "-o", o], "4x1 or 1x8"),
        (vec!["prune", "--event", "mlp_sprint", "--sparsity", "0.5", "--layers", "fc9", "-o", o], "no dense layer 'fc9'"),
        (vec!["inspect", missing.to_str().unwrap()], "cannot read"),
        (vec!["inspect", junk.to_str().unwrap()], "not a valid package"),
        (vec!["verify", junk.to_str().unwrap(), "--event", "mlp_sprint"], "not a valid mlp_sprint entry"),
        (vec!["verify", cnn, "--event", "mlp_sprint"], "for event 'cnn_marathon'"),
        (vec!["inspect"], "needs a package"),
        (vec!["distill", "--event", "cnn_marathon", "--student", "784-64-32-10", "-o", o], "mlp_sprint only"),
        (vec!["distill", "--event", "mlp_sprint", "--student", "784-64-10", "-o", o], "784-H1-H2-10"),
        (vec!["distill", "--event", "mlp_sprint", "--student", "784-64-32-10", "--epochs", "0", "-o", o], "at least 1"),
    ];
    for (args, want) in cases {
        let line = fails(&args);
        assert!(line.contains(want), "{args:?}: expected '{want}' in '{line}'");
    }
    assert!(!out.exists(), "no output is written on an error");
    let help = ok(&["--help"]);
    assert!(help.contains("usage:") && help.contains("distill"));
}

#[test]
fn distill_one_epoch_writes_a_loadable_student() {
    let d = dir("distill");
    let out = d.join("student.safetensors");
    let s = ok(&["distill", "--event", "mlp_sprint", "--student", "784-64-32-10", "--epochs", "1", "--train-samples", "3000", "--quiet", "-o", out.to_str().unwrap()]);
    assert!(s.contains("mlp:784-64-32-10/relu") && s.contains("held-out"), "{s}");
    let e = load_entry(MLP, &read(&out)).unwrap();
    assert_eq!(e.model.variant(), "mlp:784-64-32-10/relu");
    assert_eq!(e.model.param_count(), 784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
    assert_eq!(e.package.meta("architecture"), Some("mlp:784-64-32-10/relu"));
    assert!(e.package.meta("distillation").is_some_and(|m| m.contains("T=4")), "{:?}", e.package.metadata());
    let ins = inspect_package(MLP, &read(&out)).unwrap();
    let t = technique(&ins.innovation, "distillation");
    assert!(t.evidence[0].contains("credited if it passes the accuracy gate"), "{t:?}");
}

#[test]
fn the_committed_student_passes_the_gate_and_is_credited_for_distillation() {
    let bytes = read(Path::new(STUDENT));
    let e = load_entry(MLP, &bytes).unwrap();
    assert_eq!(e.model.variant(), "mlp:784-64-32-10/relu");
    for seed in [1, 2] {
        let v = tinymlperf_cli::report::verify(MLP, &bytes, seed).unwrap();
        assert!(v.heldout_gate.candidate >= 0.9709, "held-out {}", v.heldout_gate.candidate);
        assert_eq!(v.heldout_gate.division, Division::Closed, "{}", v.heldout_gate.reason);
        assert_eq!(v.division, Division::Closed, "seed {seed}: {:?}", v.failures);
        assert!(v.rejected.is_none());
        let t = technique(&v.innovation, "distillation");
        assert!(t.detected && (t.points - 0.20).abs() < 1e-9, "{t:?}");
    }
    // Through the binary: closed division, distillation credited.
    let s = ok(&["verify", STUDENT, "--seed", "5"]);
    assert!(s.contains("closed division") && s.contains("[x] Distillation"), "{s}");
    let i = ok(&["inspect", STUDENT]);
    assert!(i.contains("credited if it passes the accuracy gate") && i.contains("48.1% of the reference"), "{i}");
}
