//! Order statistics for timing samples.

/// Median of `xs` (mean of the two middle values for even counts); NaN for an empty slice.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// The `q`-quantile (0..=1) of `xs` by linear interpolation between order statistics (type 7, as
/// NumPy's default); NaN for an empty slice.
pub fn percentile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Median absolute deviation from the median (unscaled); NaN for an empty slice.
pub fn mad(xs: &[f64]) -> f64 {
    let m = median(xs);
    let dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    median(&dev)
}

/// The speedup of paired rounds: median baseline time over median candidate time.
pub fn speedup_of(baseline: &[f64], candidate: &[f64]) -> f64 {
    median(baseline) / median(candidate)
}

/// Percentile-bootstrap confidence interval of [`speedup_of`] over *paired* rounds: each resample
/// draws round indices with replacement and keeps each round's baseline and candidate together (so
/// drift that hit both sides in one round cancels, as in the measurement). `resamples` draws from a
/// SplitMix64 stream seeded by `seed`, so the interval is reproducible. Returns `(lo, hi)` at `level`
/// (e.g. 0.95). With fewer than two rounds the interval is the point estimate.
pub fn bootstrap_speedup_ci(baseline: &[f64], candidate: &[f64], level: f64, resamples: usize, seed: u64) -> (f64, f64) {
    let n = baseline.len().min(candidate.len());
    let point = speedup_of(&baseline[..n], &candidate[..n]);
    if n < 2 || resamples == 0 {
        return (point, point);
    }
    let mut rng = crate::data::rng::SplitMix64::new(seed);
    let (mut b, mut c) = (vec![0.0; n], vec![0.0; n]);
    let mut stats = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for i in 0..n {
            let j = rng.below(n as u32) as usize;
            b[i] = baseline[j];
            c[i] = candidate[j];
        }
        stats.push(speedup_of(&b, &c));
    }
    let tail = (1.0 - level.clamp(0.0, 1.0)) / 2.0;
    (percentile(&stats, tail), percentile(&stats, 1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn percentile_and_mad_known_values() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&xs, 0.0), 1.0);
        assert_eq!(percentile(&xs, 1.0), 5.0);
        assert_eq!(percentile(&xs, 0.5), 3.0);
        assert!((percentile(&xs, 0.1) - 1.4).abs() < 1e-12);
        // |x - 3| = 2,1,0,1,2 → median 1.
        assert_eq!(mad(&xs), 1.0);
        assert_eq!(mad(&[7.0, 7.0, 7.0]), 0.0);
    }

    #[test]
    fn bootstrap_ci_brackets_a_known_ratio_and_is_reproducible() {
        // Baseline exactly twice the candidate in every round, with round-to-round drift shared by both.
        let c: Vec<f64> = (0..25).map(|i| 1.0 + 0.05 * ((i * 7 % 11) as f64)).collect();
        let b: Vec<f64> = c.iter().map(|x| 2.0 * x).collect();
        let (lo, hi) = bootstrap_speedup_ci(&b, &c, 0.95, 2000, 1);
        assert!(lo <= 2.0 && 2.0 <= hi, "CI [{lo}, {hi}] must contain 2");
        assert!(hi - lo < 0.5, "shared drift must not widen the CI much: [{lo}, {hi}]");
        assert_eq!((lo, hi), bootstrap_speedup_ci(&b, &c, 0.95, 2000, 1));
        assert_eq!(bootstrap_speedup_ci(&[2.0], &[1.0], 0.95, 100, 1), (2.0, 2.0));
    }
}
