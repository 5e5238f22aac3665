//! Writes what a cheating kernel would ship: the public test split's labels keyed by a hash of each
//! image (FNV-1a over the f32 bits, `tests/kernels/cheaters/src/hash.rs`), sorted, 9 bytes a record.
//! `scripts/build-contest.sh` runs it and hands the file to the `cheat-lookup` fixture's build
//! (`TINYMLPERF_PUBLIC_ANSWERS`), so that fixture does not compile the engine as a build dependency.
//!
//! `cargo run --profile ci --example public_answers -- OUT`
include!("../tests/kernels/cheaters/src/hash.rs");

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: public_answers OUT");
        std::process::exit(2);
    };
    let set = tinymlperf::data::digits::test_split();
    let mut table: Vec<(u64, u8)> = (0..set.n).map(|i| (hash(&set.image_f32(i)), set.labels[i])).collect();
    table.sort();
    let mut bytes = Vec::with_capacity(table.len() * 9);
    for (h, l) in table {
        bytes.extend_from_slice(&h.to_le_bytes());
        bytes.push(l);
    }
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("writing {out}: {e}"));
}
