//! `tinymlperf-train --mnist-dir` end to end, without a real data set: the test writes MNIST's IDX
//! files with the product's own writer (`data::idx::write_images` / `write_labels`), once plain and
//! once gzipped under MNIST's file names, trains one short run of the real binary on each, and
//! scores the result with the product's scalar kernels on the event's held-out split. Both runs read
//! the same digits, so with the same seed they must write the same weights.
use std::io::Write;
use std::path::Path;
use std::process::Command;
use tinymlperf::data::{digits, idx};

const N: usize = 3_000;

fn write_dir(dir: &Path, gzip: bool) {
    std::fs::create_dir_all(dir).unwrap();
    // Digits from their own seed (neither the product's train nor test split), as MNIST stores them.
    let set = digits::generate(0x4d4e_4953_54, N);
    let files = [("train-images-idx3-ubyte", idx::write_images(N, 28, 28, &set.images)), ("train-labels-idx1-ubyte", idx::write_labels(&set.labels))];
    for (stem, bytes) in files {
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&bytes).unwrap();
            std::fs::write(dir.join(format!("{stem}.gz")), gz.finish().unwrap()).unwrap();
        } else {
            std::fs::write(dir.join(stem), bytes).unwrap();
        }
    }
}

/// Runs the trainer on `dir`; returns (held-out accuracy, weights sha256, the written package).
fn train_on(dir: &Path, out: &Path) -> (f64, String, tinymlperf::format::Package) {
    let o = Command::new(env!("CARGO_BIN_EXE_tinymlperf-train"))
        .args(["--event", "mlp_sprint", "--mnist-dir", dir.to_str().unwrap(), "--epochs", "2", "--train-samples", &N.to_string(), "--seed", "5", "--out", out.to_str().unwrap()])
        .output()
        .expect("the trainer runs");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "trainer failed: {}\n{stdout}", String::from_utf8_lossy(&o.stderr));
    let field = |name: &str| stdout.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no '{name}' line in:\n{stdout}")).split_whitespace().nth(1).unwrap().to_string();
    let heldout = stdout.lines().find(|l| l.starts_with("heldout")).unwrap();
    let pct: f64 = heldout.split("= ").nth(1).unwrap().split('%').next().unwrap().parse().unwrap();
    let package = tinymlperf::format::Package::parse(&std::fs::read(out.join("mlp_sprint.safetensors")).unwrap()).unwrap();
    (pct, field("weights_sha256"), package)
}

#[test]
fn training_on_idx_files_plain_and_gzipped_gives_a_scored_model() {
    let root = std::env::temp_dir().join(format!("tinymlperf-mnist-{}", std::process::id()));
    let (plain, gz) = (root.join("plain"), root.join("gz"));
    write_dir(&plain, false);
    write_dir(&gz, true);
    let (acc_plain, hash_plain, package) = train_on(&plain, &root.join("out-plain"));
    let (acc_gz, hash_gz, _) = train_on(&gz, &root.join("out-gz"));
    assert_eq!(package.meta("train_data"), Some("mnist"), "the package records where its training data came from");
    assert_eq!(package.meta("train_samples"), Some(N.to_string().as_str()));
    assert_eq!(hash_plain, hash_gz, "the gzipped files hold the same digits, so the same seed gives the same weights");
    assert_eq!(acc_plain, acc_gz);
    // Two epochs over 3,000 digits: far from the reference's 98%, far above chance (10%).
    assert!(acc_plain > 60.0, "held-out accuracy {acc_plain}%");
    // The product loads what the trainer wrote.
    tinymlperf::submission::load_entry(tinymlperf::events::EventId::MlpSprint, &package.to_bytes().unwrap()).unwrap();

    // A truncated file is refused with a clear message, and the trainer exits non-zero.
    let bad = root.join("bad");
    write_dir(&bad, false);
    let img = bad.join("train-images-idx3-ubyte");
    let bytes = std::fs::read(&img).unwrap();
    std::fs::write(&img, &bytes[..bytes.len() / 2]).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tinymlperf-train")).args(["--event", "mlp_sprint", "--mnist-dir", bad.to_str().unwrap(), "--epochs", "1", "--out", root.join("out-bad").to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("IDX"), "{err}");
    std::fs::remove_dir_all(&root).ok();
}
