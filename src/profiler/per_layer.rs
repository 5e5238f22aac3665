//! Per-op timing: a kernel table with every slot wrapped by a timer. The wrappers are plain `fn`s (the
//! table holds function pointers), so the inner table, the clock and the totals live in thread-locals
//! for the duration of one [`op_times`] call.
//!
//! Op names are the kernel-table slots (`linear`, `conv3x3`, `conv3x3_int8`, `maxpool2`, `layernorm`,
//! `attention`, `embed`, `mean_pool`, ...), the same on every table, so an entry's list and the
//! baseline's line up.
//! Activations the models fuse into a dense layer or a convolution (ReLU, GELU) are named in the op's
//! `fused` list, and the time a forward pass spends outside the table's slots (residual and
//! positional adds, buffer allocation) is the op [`OTHER`]: the ops add up to the whole forward pass.
use super::{Clock, HostClock};
use crate::kernels::Act;
use crate::kernels::{AttnShape, Conv3x3Shape, DenseWeights, GemmShape, Kernels};
use crate::models::{Model, OwnedInput};
use crate::Result;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Time per op of one side, from the per-op pass ([`op_times`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpTime {
    /// Kernel-table slot (`linear`, `conv3x3`, `maxpool2`, `layernorm`, `attention`, `embed`,
    /// `mean_pool`, ...), or [`OTHER`] for the forward pass's time outside the table.
    pub op: String,
    /// The variant that filled it (`f32_gemm__simd128_4x8_packed`, `f32_conv3x3__scalar`, ...).
    pub variant: String,
    /// Calls per forward pass (0 for [`OTHER`]).
    pub calls: u64,
    /// Mean time per forward pass spent in the op, ms.
    pub ms_per_forward: f64,
    /// Share of the forward pass (the ops of one list add up to 1).
    pub share: f64,
    /// Activations fused into the op's calls (`relu`, `gelu`).
    #[serde(default)]
    pub fused: Vec<String>,
}

thread_local! {
    static INNER: RefCell<Option<(Kernels, HostClock)>> = const { RefCell::new(None) };
    /// Per slot: calls, total ms, and the fused activations seen (bit 0 ReLU, bit 1 GELU).
    static TOTALS: RefCell<BTreeMap<&'static str, (u64, f64, u8)>> = const { RefCell::new(BTreeMap::new()) };
}

/// The op holding a forward pass's time outside the kernel table's slots.
pub const OTHER: &str = "other";
/// Its `variant`.
pub const OTHER_VARIANT: &str = "model code outside the kernel table (residual and positional adds, buffers)";

fn record(slot: &'static str, ms: f64, act: u8) {
    TOTALS.with(|t| {
        let mut t = t.borrow_mut();
        let e = t.entry(slot).or_insert((0, 0.0, 0));
        e.0 += 1;
        e.1 += ms;
        e.2 |= act;
    });
}

fn act_bit(act: Act) -> u8 {
    match act {
        Act::None => 0,
        Act::Relu => 1,
        Act::Gelu => 2,
    }
}

/// Defines a wrapper that times the inner table's `$slot` (`[act]`: the slot takes a fused activation
/// argument named `act`).
macro_rules! timed {
    ($wrapper:ident, $slot:ident $([$act:ident])?, ($($arg:ident: $ty:ty),*) $(-> $ret:ty)?) => {
        fn $wrapper($($arg: $ty),*) $(-> $ret)? {
            let (f, t0) = INNER.with(|i| {
                let i = i.borrow();
                let (k, c) = i.as_ref().expect("per-layer table used outside op_times");
                (k.$slot, c.now_ms())
            });
            #[allow(unused_mut, unused_assignments)]
            let mut bit = 0u8;
            $(bit = act_bit($act);)?
            let r = f($($arg),*);
            let t1 = INNER.with(|i| i.borrow().as_ref().map_or(t0, |(_, c)| c.now_ms()));
            record(stringify!($slot), t1 - t0, bit);
            r
        }
    };
}

timed!(t_gemm, gemm [act], (s: GemmShape, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act, out: &mut [f32]));
timed!(t_linear, linear [act], (rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]));
timed!(t_conv3x3, conv3x3 [act], (s: Conv3x3Shape, x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]));
/// The INT8 convolution slot is optional (only the INT8 table fills it), so its wrapper is written
/// out: it is installed only over a table that has one.
fn t_conv3x3_int8(s: Conv3x3Shape, x: &[f32], w: &crate::kernels::quant::Int8Conv, b: &[f32], act: Act, out: &mut [f32]) {
    let (f, t0) = INNER.with(|i| {
        let i = i.borrow();
        let (k, c) = i.as_ref().expect("per-layer table used outside op_times");
        (k.conv3x3_int8.expect("wrapped only when the table has an INT8 convolution"), c.now_ms())
    });
    f(s, x, w, b, act, out);
    let t1 = INNER.with(|i| i.borrow().as_ref().map_or(t0, |(_, c)| c.now_ms()));
    record("conv3x3_int8", t1 - t0, act_bit(act));
}
timed!(t_maxpool2, maxpool2, (planes: usize, h: usize, w: usize, x: &[f32], out: &mut [f32]));
timed!(t_relu, relu, (x: &mut [f32]));
timed!(t_gelu, gelu, (x: &mut [f32]));
timed!(t_layernorm, layernorm, (x: &[f32], rows: usize, dim: usize, g: &[f32], b: &[f32], eps: f32, out: &mut [f32]));
timed!(t_softmax, softmax, (x: &mut [f32], cols: usize));
timed!(t_attention, attention, (q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]));
timed!(t_embed, embed, (ids: &[u32], table: &[f32], dim: usize, out: &mut [f32]) -> crate::Result<()>);
timed!(t_mean_pool, mean_pool, (x: &[f32], rows: usize, dim: usize, out: &mut [f32]));

/// Runs `model` on `kernels` over the input pool for about `budget_ms` (and at least 3 forward
/// passes) with every op timed, and returns the time per forward pass spent in each op, largest
/// first, [`OTHER`] included; shares are of the whole forward pass and add up to 1. The per-call
/// timer reads add overhead and the 5 µs browser clock quantizes short ops, so these are shares to
/// read, not a substitute for the interleaved end-to-end figure.
pub fn op_times(model: &Model, kernels: &Kernels, pool: &[OwnedInput], batch: usize, budget_ms: f64) -> Result<Vec<OpTime>> {
    let clock = HostClock::new()?;
    let t_start = clock.now_ms();
    INNER.with(|i| *i.borrow_mut() = Some((kernels.clone(), HostClock::new().expect("clock exists"))));
    TOTALS.with(|t| t.borrow_mut().clear());
    let mut wrapped = kernels.clone();
    wrapped.gemm = t_gemm;
    wrapped.linear = t_linear;
    wrapped.conv3x3 = t_conv3x3;
    if kernels.conv3x3_int8.is_some() {
        wrapped.conv3x3_int8 = Some(t_conv3x3_int8);
    }
    wrapped.maxpool2 = t_maxpool2;
    wrapped.relu = t_relu;
    wrapped.gelu = t_gelu;
    wrapped.layernorm = t_layernorm;
    wrapped.softmax = t_softmax;
    wrapped.attention = t_attention;
    wrapped.embed = t_embed;
    wrapped.mean_pool = t_mean_pool;
    let mut forwards = 0u64;
    let mut forward_ms = 0.0;
    let result = loop {
        let t0 = clock.now_ms();
        let r = model.forward(&wrapped, pool[forwards as usize % pool.len().max(1)].as_input(), batch);
        let t1 = clock.now_ms();
        match r {
            Err(e) => break Err(e),
            Ok(logits) => drop(std::hint::black_box(logits)),
        }
        forward_ms += t1 - t0;
        forwards += 1;
        if t1 - t_start >= budget_ms && forwards >= 3 {
            break Ok(());
        }
    };
    INNER.with(|i| *i.borrow_mut() = None);
    let totals = TOTALS.with(|t| std::mem::take(&mut *t.borrow_mut()));
    result?;
    let in_ops: f64 = totals.values().map(|(_, ms, _)| ms).sum();
    // The timer reads sit inside the forward pass, so the whole is never less than its timed parts.
    let whole = forward_ms.max(in_ops);
    let n = forwards as f64;
    let share = |ms: f64| if whole > 0.0 { ms / whole } else { 0.0 };
    let mut out: Vec<OpTime> = totals
        .into_iter()
        .map(|(op, (calls, ms, acts))| OpTime {
            op: op.into(),
            variant: kernels.names.iter().find(|(s, _)| *s == op).map_or("?", |(_, v)| v).into(),
            calls: calls / forwards,
            ms_per_forward: ms / n,
            share: share(ms),
            fused: [(1u8, "relu"), (2, "gelu")].iter().filter(|(b, _)| acts & b != 0).map(|(_, a)| a.to_string()).collect(),
        })
        .collect();
    out.push(OpTime { op: OTHER.into(), variant: OTHER_VARIANT.into(), calls: 0, ms_per_forward: (whole - in_ops) / n, share: share(whole - in_ops), fused: Vec::new() });
    out.sort_by(|a, b| b.ms_per_forward.total_cmp(&a.ms_per_forward));
    Ok(out)
}
