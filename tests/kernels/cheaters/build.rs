//! Writes the public test split's answers keyed by input hash: what a cheater would ship.
fn main() {
    let set = tinymlperf::data::digits::test_split();
    let mut table: Vec<(u64, u8)> = (0..set.n).map(|i| (hash(&set.image_f32(i)), set.labels[i])).collect();
    table.sort();
    let mut bytes = Vec::with_capacity(table.len() * 9);
    for (h, l) in table {
        bytes.extend_from_slice(&h.to_le_bytes());
        bytes.push(l);
    }
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("answers.bin");
    std::fs::write(out, bytes).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}

include!("src/hash.rs");
