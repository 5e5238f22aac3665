//! `tinymlperf-train --event mlp_sprint|cnn_marathon|transformer_decathlon [--seed N] [--epochs N]
//! [--train-samples N] [--max-steps N] [--mnist-dir PATH] [--out DIR] [--write-fixtures]
//! [--fixtures-only] [--fixtures-dir DIR] [--sparse] [--store-f16]`
//!
//! Trains the event, scores it on the held-out split with the product's scalar forward pass, writes
//! `<out>/<event>.safetensors` and prints the weights hash. `--write-fixtures` then also writes the
//! reference logits used by `tests/models.rs`; `--fixtures-only` skips training and regenerates the
//! fixture from the existing package. `--sparse` fine-tunes the existing package under the event's
//! block-pruning plan and writes `<out>/<event>_sparse.safetensors` (the shipped sparse entry).
//! Weights are written as F16 (`store_half`). `--store-f16` re-stores an existing package (the
//! event's, or with `--sparse` its sparse entry) as F16 and re-scores it, without training.
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use tinymlperf::events::{self, EventId};
use tinymlperf_train::{fixtures, recipe, score_heldout, score_sparse, store_half, train, Config};

const USAGE: &str = "usage: tinymlperf-train --event <mlp_sprint|cnn_marathon|transformer_decathlon> [--seed N] [--epochs N] \
[--train-samples N] [--max-steps N] [--mnist-dir PATH] [--out DIR] [--write-fixtures] [--fixtures-only] [--fixtures-dir DIR] [--sparse] [--store-f16]";

struct Args {
    cfg: Config,
    out: PathBuf,
    write_fixtures: bool,
    fixtures_only: bool,
    fixtures_dir: PathBuf,
    sparse: bool,
    store_f16: bool,
}

fn parse_args() -> Result<Args> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut event: Option<EventId> = None;
    let mut cfg_fields: Vec<(String, String)> = Vec::new();
    let (mut write_fixtures, mut fixtures_only, mut sparse, mut store_f16) = (false, false, false, false);
    let mut out = root.join("weights");
    let mut fixtures_dir = root.join("tests/fixtures");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--event" => event = Some(value()?.parse()?),
            "--seed" | "--epochs" | "--train-samples" | "--max-steps" | "--mnist-dir" => {
                let v = value()?;
                cfg_fields.push((a.clone(), v));
            }
            "--out" => out = PathBuf::from(value()?),
            "--fixtures-dir" => fixtures_dir = PathBuf::from(value()?),
            "--write-fixtures" => write_fixtures = true,
            "--fixtures-only" => fixtures_only = true,
            "--sparse" => sparse = true,
            "--store-f16" => store_f16 = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument '{other}'\n{USAGE}"),
        }
    }
    let Some(event) = event else { bail!("--event is required\n{USAGE}") };
    let mut cfg = Config::new(event);
    for (k, v) in cfg_fields {
        let num = || v.parse::<u64>().with_context(|| format!("{k} expects a non-negative integer, got '{v}'"));
        match k.as_str() {
            "--seed" => cfg.seed = num()?,
            "--epochs" => cfg.epochs = Some(num()? as usize),
            "--train-samples" => cfg.train_samples = Some(num()? as usize),
            "--max-steps" => cfg.max_steps = Some(num()? as usize),
            "--mnist-dir" => cfg.mnist_dir = Some(PathBuf::from(&v)),
            _ => unreachable!(),
        }
    }
    Ok(Args { cfg, out, write_fixtures, fixtures_only, fixtures_dir, sparse, store_f16 })
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let id = args.cfg.event;
    let path = args.out.join(format!("{}.safetensors", id.as_str()));
    if args.store_f16 {
        let file = if args.sparse { args.out.join(format!("{}_sparse.safetensors", id.as_str())) } else { path.clone() };
        let mut p = tinymlperf::format::Package::parse(&std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?)?;
        let before = p.meta(tinymlperf::format::META_HELDOUT_CORRECT).unwrap_or("?").to_string();
        store_half(&mut p)?;
        let (correct, total) = if args.sparse { score_sparse(id, &mut p).map(|(c, t, _)| (c, t))? } else { score_heldout(id, &mut p)? };
        std::fs::write(&file, p.to_bytes()?)?;
        println!("{}: F16, held-out {correct}/{total} (F32: {before}), sha256 {}", file.display(), p.data_sha256());
        if args.write_fixtures && !args.sparse {
            println!("fixture          {}", fixtures::write_fixture(id, &path, &args.fixtures_dir)?.display());
        }
        return Ok(());
    }
    if args.sparse {
        return sparse_entry(&args, &path);
    }
    if !args.fixtures_only {
        let r = recipe(id);
        eprintln!("training {id} (seed {}, recipe {r:?})", args.cfg.seed);
        let mut trained = train(&args.cfg)?;
        store_half(&mut trained.package)?;
        eprintln!("trained {} steps in {:.1}s; scoring the held-out split with the product's scalar kernels...", trained.steps, trained.seconds);
        let t = std::time::Instant::now();
        let (correct, total) = score_heldout(id, &mut trained.package)?;
        let acc = correct as f64 / total as f64;
        let threshold = events::spec(id).accuracy_threshold;
        std::fs::create_dir_all(&args.out)?;
        std::fs::write(&path, trained.package.to_bytes()?)?;
        println!("event            {id}");
        println!("params           {}", trained.package.param_count());
        println!("train_seconds    {:.1}", trained.seconds);
        println!("epoch_losses     {:?}", trained.epoch_losses);
        println!("heldout          {correct}/{total} = {:.2}% (threshold {:.0}%, scored in {:.1}s)", acc * 100.0, threshold * 100.0, t.elapsed().as_secs_f64());
        println!("weights_sha256   {}", trained.package.data_sha256());
        println!("written          {}", path.display());
        if acc < threshold {
            eprintln!("WARNING: held-out accuracy {:.2}% is below the event threshold {:.0}%", acc * 100.0, threshold * 100.0);
        }
    }
    if args.write_fixtures || args.fixtures_only {
        let f = fixtures::write_fixture(id, &path, &args.fixtures_dir)?;
        println!("fixture          {}", f.display());
    }
    Ok(())
}

/// `--sparse`: masked fine-tune of the committed dense weights; scores the result with the product's
/// sparse path and writes `<event>_sparse.safetensors`.
fn sparse_entry(args: &Args, dense_path: &std::path::Path) -> Result<()> {
    use tinymlperf::format::Package;
    use tinymlperf::models::optimize;
    let id = args.cfg.event;
    let bytes = std::fs::read(dense_path).with_context(|| format!("reading {}", dense_path.display()))?;
    let dense = Package::parse(&bytes)?;
    let epochs = args.cfg.epochs.unwrap_or(3);
    eprintln!("sparse fine-tune of {id} ({epochs} epochs, plan {:?})", optimize::default_prune_plan(id));
    let mut trained = tinymlperf_train::sparse::finetune(id, &dense, args.cfg.seed, epochs, args.cfg.verbose)?;
    store_half(&mut trained.package)?;
    let (correct, total, density) = score_sparse(id, &mut trained.package)?;
    let acc = correct as f64 / total as f64;
    let out = args.out.join(format!("{}_sparse.safetensors", id.as_str()));
    std::fs::write(&out, trained.package.to_bytes()?)?;
    println!("event            {id} (sparse)");
    println!("block_density    {density:?}");
    println!("epoch_losses     {:?}", trained.epoch_losses);
    println!("heldout          {correct}/{total} = {:.2}% (dense {:.2}%)", acc * 100.0, dense.meta_parse::<f64>(tinymlperf::format::META_HELDOUT_ACCURACY).unwrap_or(f64::NAN) * 100.0);
    println!("weights_sha256   {}", trained.package.data_sha256());
    println!("written          {}", out.display());
    Ok(())
}
