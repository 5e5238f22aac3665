//! Prints the README's events table from the committed weights: parameters, FLOPs per inference and
//! held-out accuracy (recorded by the trainer, re-measured here with the scalar reference).
//! `cargo run --release --example events_table`
use tinymlperf::events::{load_benchmark, EventId};
use tinymlperf::kernels;
use tinymlperf::models::accuracy;

fn main() -> tinymlperf::Result<()> {
    println!("| event | architecture | parameters | FLOPs / inference | held-out set | accuracy (threshold) | weights sha256 |");
    println!("|---|---|---:|---:|---|---:|---|");
    for id in EventId::ALL {
        let b = load_benchmark(id)?;
        let acc = accuracy(&b.model, &kernels::scalar(), &b.dataset)?;
        println!(
            "| {} | `{}` | {} | {} | {} samples | {:.2}% (≥ {:.0}%) | `{}…` |",
            b.spec.title,
            b.model.architecture(),
            b.model.param_count(),
            b.model.flops_per_inference(),
            b.dataset.len(),
            100.0 * acc,
            100.0 * b.spec.accuracy_threshold,
            &b.weights_sha256[..12]
        );
    }
    Ok(())
}
