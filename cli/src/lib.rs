//! `tinymlperf-cli`: build, inspect and check TinyMLPerf entry packages natively, with the same
//! library code the page runs.
//!
//! ```text
//! tinymlperf-cli quantize [--event E] [--in P] --int8 -o OUT
//! tinymlperf-cli prune    [--event E] [--in P] --sparsity S [--structured 4x1|1x8] [--layers a,b=S] -o OUT
//! tinymlperf-cli distill  --event mlp_sprint --student 784-64-32-10 --epochs N [--seed S] -o OUT
//! tinymlperf-cli inspect  P [--event E] [--json]
//! tinymlperf-cli verify   P [--event E] [--seed S] [--json]
//! ```
//!
//! Exit status: 0 success (for `verify`: a valid entry, closed or open division), 1 `verify` found a
//! package that loads but is not a valid competitor, 2 an error (one `error: ...` line on stderr).
pub mod args;
pub mod distill;
pub mod report;
pub mod transform;

use anyhow::{bail, Result};
use args::{Args, Spec};
use std::io::Write;
use std::path::{Path, PathBuf};
use tinymlperf::events::EventId;
use transform::{Pattern, WriteOptions};

/// The help text.
pub const USAGE: &str = "\
tinymlperf-cli: build, inspect and check TinyMLPerf entry packages natively

usage:
  tinymlperf-cli quantize [--event E] [--in P] --int8 -o OUT [--calibration N]
  tinymlperf-cli prune    [--event E] [--in P] --sparsity S [--structured 4x1|1x8] [--layers L1,L2=S2] -o OUT
  tinymlperf-cli distill  --event mlp_sprint --student 784-H1-H2-10 --epochs N [--seed S] -o OUT
                          [--temperature T] [--alpha A] [--logit-mse W] [--train-samples N] [--batch B] [--lr LR] [--teacher P]
  tinymlperf-cli inspect  PACKAGE [--event E] [--json]
  tinymlperf-cli verify   PACKAGE [--event E] [--seed S] [--json]

  E is mlp_sprint, cnn_marathon or transformer_decathlon; it defaults to the package's `event`
  metadata. Without --in, quantize and prune start from the event's reference weights.
  quantize: INT8 per-output-channel weights + activation scales calibrated on N training samples (512).
  prune: unstructured (Wanda scores) by default, or --structured 1x8 (8 outputs at one input, the
         sparse kernel's blocks) or 4x1 (4 consecutive inputs of one output, block L2 norm); the
         layers default to the event's prunable layers (classifier heads stay dense); --layers
         fc1,fc2=0.6 picks layers, a layer=S entry overriding --sparsity for that layer.
  distill: knowledge distillation of a smaller MLP student from the reference's logits on generated
           training digits; defaults: 30 epochs, 400000 digits, T=4, alpha=0.9 (soft; 0.1 hard
           labels), logit MSE 0.05.
  Writing commands also take --team, --description, --url and --kernels (scalar|simd128|int8|sparse).
  verify: held-out accuracy with the entry's kernels and the accuracy gate (within 1 pp of the
          reference), output equivalence on a fresh split (seed S, random by default), innovation.

exit status: 0 ok (verify: a valid entry, closed or open division); 1 verify: not a valid competitor;
2 error (bad arguments, unreadable or invalid package).
";

fn spec(values: &'static [&'static str], switches: &'static [&'static str], max_positional: usize) -> Spec {
    Spec { values, switches, max_positional }
}

fn write_options(a: &Args) -> WriteOptions {
    WriteOptions { kernels: a.value("kernels").map(str::to_string), team: a.value("team").map(str::to_string), description: a.value("description").map(str::to_string), url: a.value("url").map(str::to_string) }
}

fn out_path(a: &Args) -> Result<PathBuf> {
    match a.value("out") {
        Some(p) => Ok(PathBuf::from(p)),
        None => bail!("-o <output.safetensors> is required"),
    }
}

fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.2} MiB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

/// Runs one command line (without the program name), writing the report to `out`. Returns the exit
/// status for success paths; errors are returned for the caller to print (status 2).
pub fn run(argv: &[String], out: &mut dyn Write) -> Result<i32> {
    let Some((command, rest)) = argv.split_first() else {
        write!(out, "{USAGE}")?;
        return Ok(2);
    };
    match command.as_str() {
        "-h" | "--help" | "help" => {
            write!(out, "{USAGE}")?;
            Ok(0)
        }
        "quantize" => {
            static V: [&str; 8] = ["event", "in", "out", "calibration", "team", "description", "url", "kernels"];
            let a = Args::parse(command, rest, &spec(&V, &["int8"], 0))?;
            if !a.switch("int8") {
                bail!("quantize needs --int8 (the only quantization this tool makes)");
            }
            let dst = out_path(&a)?;
            let calibration = a.parsed::<usize>("calibration", "a number of samples")?.unwrap_or(tinymlperf::models::optimize::CALIBRATION_SAMPLES);
            if calibration == 0 {
                bail!("--calibration must be at least 1");
            }
            let src = transform::load_source(a.value("event"), a.value("in").map(Path::new))?;
            let (package, layers) = transform::quantize(&src, calibration)?;
            let tool = format!("tinymlperf-cli quantize --int8 (per-channel weights, activations calibrated on {calibration} training samples)");
            let bytes = transform::finish(package, &src, tool, &write_options(&a))?;
            tinymlperf::submission::load_entry(src.event, &bytes)?;
            transform::write_file(&dst, &bytes)?;
            writeln!(out, "quantized {} ({}) to INT8, calibrated on {calibration} training samples", src.origin, src.event)?;
            for l in &layers {
                writeln!(out, "  {:<20} I8 {:?}, weight scales {:.3e}..{:.3e}, input scale {:.4e}", l.name, l.shape, l.weight_scales.0, l.weight_scales.1, l.input_scale)?;
            }
            writeln!(out, "wrote {} ({}, was {})", dst.display(), human_bytes(bytes.len()), human_bytes(src.file_bytes))?;
            writeln!(out, "next: tinymlperf-cli verify {}", dst.display())?;
            Ok(0)
        }
        "prune" => {
            static V: [&str; 11] = ["event", "in", "out", "sparsity", "structured", "layers", "calibration", "team", "description", "url", "kernels"];
            let a = Args::parse(command, rest, &spec(&V, &[], 0))?;
            let sparsity = a.parsed::<f64>("sparsity", "a fraction between 0 and 1")?;
            let pattern = Pattern::parse(a.value("structured"))?;
            let dst = out_path(&a)?;
            let calibration = a.parsed::<usize>("calibration", "a number of samples")?.unwrap_or(tinymlperf::models::optimize::CALIBRATION_SAMPLES).max(1);
            let src = transform::load_source(a.value("event"), a.value("in").map(Path::new))?;
            let plan = transform::parse_plan(src.event, sparsity, a.value("layers"))?;
            let (package, pruned) = transform::prune(&src, &plan, pattern, calibration)?;
            let plan_text: Vec<String> = plan.iter().map(|(l, s)| format!("{l}={s}")).collect();
            let tool = format!("tinymlperf-cli prune {}: {}", pattern.describe(), plan_text.join(","));
            let bytes = transform::finish(package, &src, tool, &write_options(&a))?;
            tinymlperf::submission::load_entry(src.event, &bytes)?;
            transform::write_file(&dst, &bytes)?;
            writeln!(out, "pruned {} ({}): {}", src.origin, src.event, pattern.describe())?;
            for l in &pruned {
                writeln!(out, "  {:<20} {:?}: {:.1}% zeros", l.name, l.shape, l.zeros * 100.0)?;
            }
            writeln!(out, "wrote {} ({})", dst.display(), human_bytes(bytes.len()))?;
            writeln!(out, "next: tinymlperf-cli verify {}", dst.display())?;
            Ok(0)
        }
        "distill" => {
            static V: [&str; 16] = ["event", "student", "epochs", "seed", "out", "temperature", "alpha", "logit-mse", "train-samples", "batch", "lr", "teacher", "team", "description", "url", "kernels"];
            let a = Args::parse(command, rest, &spec(&V, &["quiet"], 0))?;
            let Some(event) = a.value("event") else { bail!("distill needs --event mlp_sprint") };
            let event: EventId = event.parse()?;
            let Some(student) = a.value("student") else { bail!("distill needs --student 784-H1-H2-10 (e.g. 784-64-32-10)") };
            let mut cfg = distill::Config::new(event, distill::parse_student(student)?);
            let dst = out_path(&a)?;
            cfg.epochs = a.parsed("epochs", "a number of epochs")?.unwrap_or(cfg.epochs);
            cfg.seed = a.parsed("seed", "an integer seed")?.unwrap_or(cfg.seed);
            cfg.temperature = a.parsed("temperature", "a positive number")?.unwrap_or(cfg.temperature);
            cfg.alpha = a.parsed("alpha", "a number in [0, 1]")?.unwrap_or(cfg.alpha);
            cfg.logit_mse = a.parsed("logit-mse", "a weight >= 0")?.unwrap_or(cfg.logit_mse);
            cfg.train_samples = a.parsed("train-samples", "a number of samples")?.unwrap_or(cfg.train_samples);
            cfg.batch = a.parsed("batch", "a batch size")?.unwrap_or(cfg.batch);
            cfg.lr = a.parsed("lr", "a learning rate")?.unwrap_or(cfg.lr);
            cfg.verbose = !a.switch("quiet");
            if let Some(t) = a.value("teacher") {
                cfg.teacher = Some((transform::read_file(Path::new(t))?, t.to_string()));
            }
            let d = distill::distill(&cfg)?;
            let mut package = d.package;
            transform::apply_options(&mut package, &write_options(&a))?;
            let bytes = package.to_bytes()?;
            let e = tinymlperf::submission::load_entry(event, &bytes)?;
            transform::write_file(&dst, &bytes)?;
            let acc = d.heldout_correct as f64 / d.heldout_total as f64;
            writeln!(out, "student   {} ({} parameters)", e.model.variant(), e.model.param_count())?;
            writeln!(out, "training  {} epochs on {} digits in {:.1}s (+{:.1}s data and teacher logits), T={}, alpha={}", cfg.epochs, cfg.train_samples, d.train_seconds, d.prepare_seconds, cfg.temperature, cfg.alpha)?;
            writeln!(out, "losses    {:?}", d.epoch_losses.iter().map(|l| (l * 1e4).round() / 1e4).collect::<Vec<_>>())?;
            writeln!(out, "teacher   agreement {:.2}% on {} validation digits", d.validation_agreement * 100.0, distill::VALIDATION_SAMPLES)?;
            writeln!(out, "held-out  {}/{} = {:.2}% (scalar kernels)", d.heldout_correct, d.heldout_total, acc * 100.0)?;
            writeln!(out, "wrote {} ({})", dst.display(), human_bytes(bytes.len()))?;
            writeln!(out, "next: tinymlperf-cli verify {}", dst.display())?;
            Ok(0)
        }
        "inspect" => {
            let a = Args::parse(command, rest, &spec(&["event"], &["json"], 1))?;
            let Some(path) = a.positional.first() else { bail!("inspect needs a package: tinymlperf-cli inspect PACKAGE [--event E]") };
            let bytes = transform::read_file(Path::new(path))?;
            let event = transform::resolve_event(a.value("event"), Some(&bytes), path)?;
            let (ins, text) = report::inspect(event, &bytes)?;
            if a.switch("json") {
                writeln!(out, "{}", serde_json::to_string_pretty(&ins)?)?;
            } else {
                writeln!(out, "inspect   {path}")?;
                write!(out, "{text}")?;
            }
            Ok(0)
        }
        "verify" => {
            let a = Args::parse(command, rest, &spec(&["event", "seed"], &["json"], 1))?;
            let Some(path) = a.positional.first() else { bail!("verify needs a package: tinymlperf-cli verify PACKAGE [--event E]") };
            let bytes = transform::read_file(Path::new(path))?;
            let event = transform::resolve_event(a.value("event"), Some(&bytes), path)?;
            let seed = a.parsed::<u64>("seed", "an integer seed")?.unwrap_or_else(tinymlperf::submission::fresh_seed);
            let v = report::verify(event, &bytes, seed).map_err(|e| anyhow::anyhow!("{path} is not a valid {event} entry: {e:#}"))?;
            if a.switch("json") {
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                writeln!(out, "verify      {path}")?;
                write!(out, "{}", report::verdict_text(&v))?;
            }
            Ok(if v.rejected.is_some() { 1 } else { 0 })
        }
        other => bail!("unknown command '{other}' (quantize, prune, distill, inspect, verify; --help for usage)"),
    }
}

/// `error: ...` on one line.
pub fn error_line(e: &anyhow::Error) -> String {
    let msg = format!("{e:#}");
    format!("error: {}", msg.split_whitespace().collect::<Vec<_>>().join(" "))
}
