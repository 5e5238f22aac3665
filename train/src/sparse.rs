//! Sparse fine-tuning: prune the trained fp32 model in 1×8 blocks with the product's own pruning
//! (`tinymlperf::models::optimize::prune`, activation-aware scores on training data), then keep
//! training with the pruned blocks held at zero (mask applied after every optimizer step) so the
//! remaining weights compensate. One-shot pruning at 80%+ costs several points of accuracy on these
//! small models; a short masked fine-tune recovers them.
use crate::{build_net, data, progress, recipe, schedule, Trained};
use anyhow::{Context, Result};
use candle_core::{Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use std::time::Instant;
use tinymlperf::events::{self, EventId};
use tinymlperf::format::{self as fmt, Package};
use tinymlperf::models::{optimize, Model};

/// Training samples used for fine-tuning.
const SAMPLES: usize = 60_000;

/// Fine-tunes `fp32` (an event's trained package) under the event's default pruning plan.
pub fn finetune(id: EventId, fp32: &Package, seed: u64, epochs: usize, verbose: bool) -> Result<Trained> {
    let dev = Device::Cpu;
    let plan = optimize::default_prune_plan(id);
    // 1. The masks, from the product's pruning of the product's model.
    let mut model = Model::from_package(fp32).context("loading the fp32 package")?;
    let calib = optimize::calibration_set(id, optimize::CALIBRATION_SAMPLES);
    optimize::prune(&mut model, &calib, plan)?;
    let mut masks: Vec<(String, Vec<f32>, usize, usize)> = Vec::new();
    for (name, l) in model.linears_mut() {
        if l.weight.sparse.is_some() {
            let (k, n) = (l.weight.k(), l.weight.n());
            // File layout is [out, in]: mask[o][i] = kept(kn[i][o]).
            let mut m = vec![0.0f32; n * k];
            for i in 0..k {
                for o in 0..n {
                    m[o * k + i] = (l.weight.kn[i * n + o] != 0.0) as u8 as f32;
                }
            }
            masks.push((format!("{name}.weight"), m, n, k));
        }
    }
    // 2. A candle net holding the fp32 weights, masked.
    let net = build_net(id, seed, &dev)?;
    net.params().load(fp32)?;
    let masked: Vec<(Var, Tensor)> = masks
        .iter()
        .map(|(name, m, n, k)| Ok((net.params().var(name).with_context(|| format!("no parameter {name}"))?, Tensor::from_vec(m.clone(), (*n, *k), &dev)?)))
        .collect::<Result<_>>()?;
    let apply_masks = || -> Result<()> {
        for (v, m) in &masked {
            v.set(&v.as_tensor().mul(m)?)?;
        }
        Ok(())
    };
    apply_masks()?;
    // 3. A short masked fine-tune at a quarter of the recipe's learning rate.
    let r = recipe(id);
    let lr = r.lr / 4.0;
    let (set, source) = data::TrainSet::load(id, SAMPLES.min(r.train_samples), None)?;
    let mut opt = AdamW::new(net.params().vars(), ParamsAdamW { lr, weight_decay: 0.0, ..Default::default() })?;
    let steps_per_epoch = set.len().div_ceil(r.batch);
    let total = steps_per_epoch * epochs;
    let start = Instant::now();
    let (mut step, mut epoch_losses) = (0, Vec::new());
    for epoch in 0..epochs {
        let order = data::epoch_order(set.len(), seed ^ 0x5BA5E, epoch);
        let mut bar = verbose.then(|| progress::Progress::new(format!("sparse {:>2}/{epochs}", epoch + 1), steps_per_epoch));
        let (mut sum, mut count) = (0.0f64, 0usize);
        for (i, idx) in order.chunks(r.batch).enumerate() {
            opt.set_learning_rate(schedule::lr_at(step, total, 0, lr, 0.05));
            let (x, y) = set.batch(idx, &dev)?;
            let loss = candle_nn::loss::cross_entropy(&net.forward(&x)?, &y)?;
            opt.backward_step(&loss)?;
            apply_masks()?;
            sum += loss.to_scalar::<f32>()? as f64;
            count += 1;
            step += 1;
            if let Some(b) = bar.as_mut() {
                b.update(i + 1, (sum / count as f64) as f32);
            }
        }
        epoch_losses.push((sum / count.max(1) as f64) as f32);
        if let Some(b) = bar.as_mut() {
            b.finish();
            eprintln!("sparse {:>2}/{epochs}: mean loss {:.5}", epoch + 1, epoch_losses[epoch]);
        }
    }
    let mut package = net.params().to_package()?;
    for (k, v) in fp32.metadata() {
        package.set_meta(k.clone(), v.clone());
    }
    let plan_text: Vec<String> = plan.iter().map(|(l, s)| format!("{l}={s}")).collect();
    package.set_meta("sparse_plan", plan_text.join(","));
    package.set_meta("sparse_finetune", format!("{epochs} epochs, adamw lr={lr} cosine, {} samples ({source}), masks from models::optimize::prune", set.len()));
    package.set_meta("base_weights_sha256", fp32.data_sha256());
    package.set_meta(fmt::META_EVENT, id.as_str());
    package.set_meta(fmt::META_ARCHITECTURE, events::spec(id).architecture);
    Ok(Trained { package, steps: step, epoch_losses, seconds: start.elapsed().as_secs_f64() })
}
