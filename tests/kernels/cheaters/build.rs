//! The public test split's answers keyed by input hash — what a cheater would ship — come from the file
//! `TINYMLPERF_PUBLIC_ANSWERS` names, which `scripts/build-contest.sh` writes with the engine's own
//! generator (`cargo run --example public_answers`): this crate needs no build dependency on the engine.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TINYMLPERF_PUBLIC_ANSWERS");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("answers.bin");
    match std::env::var("TINYMLPERF_PUBLIC_ANSWERS") {
        Ok(path) => {
            println!("cargo:rerun-if-changed={path}");
            std::fs::copy(&path, &out).unwrap_or_else(|e| panic!("reading TINYMLPERF_PUBLIC_ANSWERS={path}: {e}"));
        }
        // Only the `lookup` fixture reads the table; the others build without it.
        Err(_) if std::env::var_os("CARGO_FEATURE_LOOKUP").is_none() => std::fs::write(&out, []).unwrap(),
        Err(_) => panic!("the lookup fixture needs TINYMLPERF_PUBLIC_ANSWERS: the file scripts/build-contest.sh writes with `cargo run --example public_answers -- FILE`"),
    }
}
