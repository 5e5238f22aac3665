//! Reference embedding gather and mean-pool.
use crate::{Error, Result};

/// Gathers rows of `table` (`vocab × dim`) for each id into `out` (`ids.len() × dim`).
/// An id past the vocabulary is an error, never an out-of-bounds read.
#[inline(never)]
pub fn embed(ids: &[u32], table: &[f32], dim: usize, out: &mut [f32]) -> Result<()> {
    let vocab = if dim == 0 { 0 } else { table.len() / dim };
    if out.len() < ids.len() * dim {
        return Err(Error::shape("embedding output", ids.len() * dim, out.len()));
    }
    for (i, &id) in ids.iter().enumerate() {
        if id as usize >= vocab {
            return Err(Error::Limit { what: format!("token id at position {i}"), got: id as u64, limit: vocab as u64 - 1 });
        }
        out[i * dim..][..dim].copy_from_slice(&table[id as usize * dim..][..dim]);
    }
    Ok(())
}

/// Mean over `rows` rows of width `dim` into `out[dim]`.
#[inline(never)]
pub fn f32_mean_pool(x: &[f32], rows: usize, dim: usize, out: &mut [f32]) {
    assert!(x.len() >= rows * dim && out.len() >= dim);
    for (i, o) in out.iter_mut().enumerate().take(dim) {
        let mut s = 0.0;
        for r in 0..rows {
            s += x[r * dim + i];
        }
        *o = s / rows as f32;
    }
}
