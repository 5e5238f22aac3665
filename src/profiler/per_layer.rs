//! Per-op timing: the candidate's kernel table with every slot wrapped by a timer. The wrappers are
//! plain `fn`s (the table holds function pointers), so the inner table, the clock and the totals live
//! in thread-locals for the duration of one [`op_times`] call.
use super::benchmark::OpTime;
use super::{Clock, HostClock};
use crate::kernels::{AttnShape, Conv3x3Shape, DenseWeights, GemmShape, Kernels};
use crate::kernels::Act;
use crate::models::{Model, OwnedInput};
use crate::Result;
use std::cell::RefCell;
use std::collections::BTreeMap;

thread_local! {
    static INNER: RefCell<Option<(Kernels, HostClock)>> = const { RefCell::new(None) };
    static TOTALS: RefCell<BTreeMap<&'static str, (u64, f64)>> = const { RefCell::new(BTreeMap::new()) };
}

fn record(slot: &'static str, ms: f64) {
    TOTALS.with(|t| {
        let mut t = t.borrow_mut();
        let e = t.entry(slot).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += ms;
    });
}

/// Defines a wrapper that times the inner table's `$slot`.
macro_rules! timed {
    ($wrapper:ident, $slot:ident, ($($arg:ident: $ty:ty),*) $(-> $ret:ty)?) => {
        fn $wrapper($($arg: $ty),*) $(-> $ret)? {
            let (f, t0) = INNER.with(|i| {
                let i = i.borrow();
                let (k, c) = i.as_ref().expect("per-layer table used outside op_times");
                (k.$slot, c.now_ms())
            });
            let r = f($($arg),*);
            let t1 = INNER.with(|i| i.borrow().as_ref().map_or(t0, |(_, c)| c.now_ms()));
            record(stringify!($slot), t1 - t0);
            r
        }
    };
}

timed!(t_gemm, gemm, (s: GemmShape, a: &[f32], b: &[f32], bias: Option<&[f32]>, act: Act, out: &mut [f32]));
timed!(t_linear, linear, (rows: usize, x: &[f32], w: &DenseWeights, bias: Option<&[f32]>, act: Act, out: &mut [f32]));
timed!(t_conv3x3, conv3x3, (s: Conv3x3Shape, x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]));
timed!(t_maxpool2, maxpool2, (planes: usize, h: usize, w: usize, x: &[f32], out: &mut [f32]));
timed!(t_relu, relu, (x: &mut [f32]));
timed!(t_gelu, gelu, (x: &mut [f32]));
timed!(t_layernorm, layernorm, (x: &[f32], rows: usize, dim: usize, g: &[f32], b: &[f32], eps: f32, out: &mut [f32]));
timed!(t_softmax, softmax, (x: &mut [f32], cols: usize));
timed!(t_attention, attention, (q: &[f32], k: &[f32], v: &[f32], s: AttnShape, out: &mut [f32]));
timed!(t_embed, embed, (ids: &[u32], table: &[f32], dim: usize, out: &mut [f32]) -> crate::Result<()>);
timed!(t_mean_pool, mean_pool, (x: &[f32], rows: usize, dim: usize, out: &mut [f32]));

/// Runs `model` on `kernels` over the input pool for about `budget_ms` with every op timed, and
/// returns the time per forward pass spent in each op, largest first. The per-call timer reads add
/// overhead and the 5 µs browser clock quantizes short ops, so these are shares to read, not a
/// substitute for the interleaved end-to-end figure.
pub fn op_times(model: &Model, kernels: &Kernels, pool: &[OwnedInput], batch: usize, budget_ms: f64) -> Result<Vec<OpTime>> {
    let clock = HostClock::new()?;
    let t_start = clock.now_ms();
    INNER.with(|i| *i.borrow_mut() = Some((kernels.clone(), HostClock::new().expect("clock exists"))));
    TOTALS.with(|t| t.borrow_mut().clear());
    let mut wrapped = kernels.clone();
    wrapped.gemm = t_gemm;
    wrapped.linear = t_linear;
    wrapped.conv3x3 = t_conv3x3;
    wrapped.maxpool2 = t_maxpool2;
    wrapped.relu = t_relu;
    wrapped.gelu = t_gelu;
    wrapped.layernorm = t_layernorm;
    wrapped.softmax = t_softmax;
    wrapped.attention = t_attention;
    wrapped.embed = t_embed;
    wrapped.mean_pool = t_mean_pool;
    let mut forwards = 0u64;
    let result = loop {
        if let Err(e) = model.forward(&wrapped, pool[forwards as usize % pool.len().max(1)].as_input(), batch) {
            break Err(e);
        }
        forwards += 1;
        if clock.now_ms() - t_start >= budget_ms && forwards >= 3 {
            break Ok(());
        }
    };
    INNER.with(|i| *i.borrow_mut() = None);
    let totals = TOTALS.with(|t| std::mem::take(&mut *t.borrow_mut()));
    result?;
    let all: f64 = totals.values().map(|(_, ms)| ms).sum();
    let mut out: Vec<OpTime> = totals
        .into_iter()
        .map(|(op, (calls, ms))| OpTime {
            op: op.into(),
            variant: kernels.names.iter().find(|(s, _)| *s == op).map_or("?", |(_, v)| v).into(),
            calls: calls / forwards,
            ms_per_forward: ms / forwards as f64,
            share: if all > 0.0 { ms / all } else { 0.0 },
        })
        .collect();
    out.sort_by(|a, b| b.ms_per_forward.total_cmp(&a.ms_per_forward));
    Ok(out)
}
