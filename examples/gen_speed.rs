fn main() {
    let t = std::time::Instant::now();
    let d = tinymlperf::data::digits::generate(12345, 20000);
    let s = t.elapsed().as_secs_f64();
    println!("{} digits in {:.3}s = {:.2} us/digit", d.n, s, s * 1e6 / d.n as f64);
}
