//! Accuracy against one-shot block sparsity for each layer group of an event, on the held-out split:
//! `cargo run --release --example prune_sweep -- cnn_marathon fc`. This is how the pruning plans in
//! `models::optimize::default_prune_plan` were chosen.
use tinymlperf::events::{load_benchmark, EventId};
use tinymlperf::kernels;
use tinymlperf::models::{accuracy, optimize};

fn main() -> tinymlperf::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let id: EventId = args.first().map(String::as_str).unwrap_or("mlp_sprint").parse()?;
    let layers: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    let bench = load_benchmark(id)?;
    let calib = optimize::calibration_set(id, optimize::CALIBRATION_SAMPLES);
    let base = accuracy(&bench.model, &kernels::best(), &bench.dataset)?;
    println!("{}: fp32 {:.2}%", id.as_str(), 100.0 * base);
    for s in [0.3, 0.5, 0.6, 0.7, 0.8, 0.9] {
        let mut m = bench.model.clone();
        let plan: Vec<(&str, f64)> = layers.iter().map(|l| (*l, s)).collect();
        optimize::prune(&mut m, &calib, &plan)?;
        let a = accuracy(&m, &kernels::sparse(), &bench.dataset)?;
        println!("  {layers:?} at {:.0}% block sparsity: {:.2}% ({:+.2} pp)", 100.0 * s, 100.0 * a, 100.0 * (a - base));
    }
    Ok(())
}
