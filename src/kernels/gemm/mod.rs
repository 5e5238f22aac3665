//! GEMM: the f32 scalar reference, the SIMD128 register-blocked kernels and the packed weight layout
//! they read, the INT8 kernel and the block-sparse kernels.

/// Calls `$tile::<MR>(args…)` with the const `MR` equal to `$rows` (1 to 4; larger counts take 4):
/// how every register-tiled kernel runs its last, shorter block of rows with the row count known at
/// compile time, so the inner loop keeps its accumulators in registers. Defined before the submodules
/// so they see it by textual scope; unused natively, where the SIMD kernels are not compiled.
#[allow(unused_macros)]
macro_rules! row_tile {
    ($rows:expr, $tile:ident($($arg:expr),* $(,)?)) => {
        match $rows {
            4 => $tile::<4>($($arg),*),
            3 => $tile::<3>($($arg),*),
            2 => $tile::<2>($($arg),*),
            _ => $tile::<1>($($arg),*),
        }
    };
}

#[cfg(target_arch = "wasm32")]
pub mod int8;
#[cfg(target_arch = "wasm32")]
pub mod relaxed;
pub mod scalar;
#[cfg(target_arch = "wasm32")]
pub mod simd128;
pub mod sparse;

/// Columns per packed panel: two f32x4 vectors, the width of the SIMD micro-kernel's tile.
pub const PANEL: usize = 8;

/// `B` (`k×n`) re-laid once, at model load, as `ceil(n/8)` panels of `k×8` floats, each panel
/// contiguous and the last one zero-padded. The micro-kernel then streams B sequentially (one 32-byte
/// row of a panel per k step) and never needs a scalar column tail.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedB {
    /// Rows of B.
    pub k: usize,
    /// Columns of B (before padding).
    pub n: usize,
    /// `panels × k × 8` floats.
    pub data: Vec<f32>,
}

impl PackedB {
    /// Packs a row-major `k×n` matrix.
    pub fn pack(k: usize, n: usize, b: &[f32]) -> Self {
        assert!(b.len() >= k * n, "PackedB::pack: {} values for a {k}×{n} matrix", b.len());
        let panels = n.div_ceil(PANEL);
        let mut data = vec![0.0; panels * k * PANEL];
        for p in 0..panels {
            for r in 0..k {
                for c in 0..PANEL.min(n - p * PANEL) {
                    data[(p * k + r) * PANEL + c] = b[r * n + p * PANEL + c];
                }
            }
        }
        PackedB { k, n, data }
    }

    /// Number of 8-column panels.
    pub fn panels(&self) -> usize {
        self.n.div_ceil(PANEL)
    }
}
