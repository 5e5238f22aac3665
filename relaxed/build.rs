// The module shares the engine's memory (it imports it) and must not own any of it: no stack, no data.
fn main() {
    println!("cargo:rustc-link-arg=--import-memory");
    println!("cargo:rustc-link-arg=-zstack-size=0");
}
