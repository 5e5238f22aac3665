//! A dependency-free text progress bar on stderr: `[#####.....] step/total loss eta`.
use std::io::Write;
use std::time::Instant;

/// Width of the bar in characters.
const WIDTH: usize = 30;
/// Minimum time between redraws; redrawing every step would cost more than a small step itself.
const REDRAW_MS: u128 = 100;

/// One bar for one epoch (or any counted loop).
pub struct Progress {
    label: String,
    total: usize,
    start: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    /// A bar over `total` steps, prefixed by `label`.
    pub fn new(label: impl Into<String>, total: usize) -> Self {
        Progress { label: label.into(), total: total.max(1), start: Instant::now(), last_draw: None }
    }

    /// Reports `done` finished steps and the latest running loss; redraws at most every 100 ms.
    pub fn update(&mut self, done: usize, loss: f32) {
        let now = Instant::now();
        if done < self.total && self.last_draw.is_some_and(|t| now.duration_since(t).as_millis() < REDRAW_MS) {
            return;
        }
        self.last_draw = Some(now);
        let frac = done as f64 / self.total as f64;
        let filled = ((frac * WIDTH as f64) as usize).min(WIDTH);
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = if done > 0 { elapsed / done as f64 * (self.total - done.min(self.total)) as f64 } else { 0.0 };
        eprint!(
            "\r{} [{}{}] {}/{} loss {:.4} {:.0}s eta {:.0}s  ",
            self.label,
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            done,
            self.total,
            loss,
            elapsed,
            eta
        );
        let _ = std::io::stderr().flush();
    }

    /// Ends the bar's line.
    pub fn finish(&mut self) {
        eprintln!();
    }
}
