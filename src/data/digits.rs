//! Procedural MNIST-like handwritten digits: 28×28 grayscale, `u8` pixels, labels 0–9.
//!
//! Why procedural: the page must run its accuracy check on a held-out set without downloading
//! anything, and the same bytes must come out natively (where the models are trained) and in the
//! browser (where they are scored). Real MNIST still works through [`super::idx`].
//!
//! How one digit is made (each step draws from the item's own PRNG, so item `i` never depends on
//! item `i - 1`):
//! 1. **Skeleton.** Each class has hand-written pen strokes in a unit box (y down), as key points
//!    joined by Catmull–Rom splines, with sharp corners where a pen would turn (the top of a 7, the
//!    foot of a 2). Classes have style variants (1 with or without a flag and a foot, 4 open or
//!    closed, 7 with or without a bar, looped or plain 2, one- or two-loop 8, ...), and loop closures
//!    are sloppy: a 0, 6, 8 or 9 may overshoot or leave a gap.
//! 2. **Hand wobble.** Key points get Gaussian jitter, and the flattened stroke gets a smooth,
//!    low-frequency displacement field (an elastic distortion of the whole glyph).
//! 3. **Affine.** Random aspect, slant (shear), and rotation.
//! 4. **MNIST normalization.** As in the original MNIST pipeline: the glyph is scaled, aspect kept,
//!    so its ink fits a 20×20 box, then translated so its center of mass sits at the center of the
//!    28×28 frame.
//! 5. **Rendering.** Each stroke segment is drawn with its own radius (pen pressure varies along the
//!    stroke) and a soft anti-aliased edge computed from the exact distance to the segment, then a
//!    little noise is added to the ink and the result is quantized to `u8` like MNIST.
//!
//! All tunable numbers live in [`DigitStyle`]. Determinism: integer PRNG ([`super::rng`]), only
//! `libm` for transcendentals, plain `f32` arithmetic (never fused), no hashing or parallelism, so
//! the bytes are identical on x86_64 and wasm32; [`DIGITS_TEST_SHA256`] pins them.

use super::rng::{block_label, SplitMix64};
use core::f32::consts::{FRAC_PI_2, PI, TAU};
use sha2::{Digest, Sha256};

/// Width and height of one image, as in MNIST.
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one image (`28 × 28`).
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Seed of the training split (any size: item `i` is the same whatever `n` is asked for).
pub const DIGITS_TRAIN_SEED: u64 = 0x5EED_D161_7500_0001;
/// Seed of the held-out test split; different from the training seed, so no test image is a
/// training image.
pub const DIGITS_TEST_SEED: u64 = 0x5EED_D161_7500_7E57;
/// Size of the held-out test split, as in MNIST.
pub const DIGITS_TEST_SIZE: usize = 10_000;
/// SHA-256 of [`test_split()`] as computed by [`DigitSet::sha256_hex`]. Both the native and the
/// wasm32 test suites compare against it, which is what proves the generator is bit-identical
/// across targets. Changing [`DigitStyle::default`] or the generator changes it (and invalidates
/// every trained model's recorded accuracy): update it deliberately.
pub const DIGITS_TEST_SHA256: &str = "ae4b295aca5976a17d067fa9b498961d06333c0f33a493e6bc81490e04728fae";

/// PRNG stream tag for the image draws (labels use their own stream, see [`block_label`]).
const IMAGE_STREAM: u64 = 0x4449_4749_5453;

/// The difficulty knobs of the generator, in one place so they can be tuned after training.
///
/// Lengths are in output pixels unless they say "glyph units" (the skeleton's box is about
/// 0.6 × 1.0 glyph units, and ends up about 20 pixels tall). Making the set harder: raise the jitter,
/// elastic, slant and rotation spreads and `sloppiness`; easier: lower them. Every change alters the
/// bytes, so [`DIGITS_TEST_SHA256`] must be re-recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitStyle {
    /// Standard deviation of the rotation, in degrees.
    pub rotation_sd_deg: f32,
    /// Rotation is clipped to `±rotation_max_deg`.
    pub rotation_max_deg: f32,
    /// Mean slant (horizontal shear per unit height; positive leans right, as most writers do).
    pub slant_mean: f32,
    /// Standard deviation of the slant.
    pub slant_sd: f32,
    /// Horizontal scale relative to vertical is drawn uniformly from `[aspect_min, aspect_max]`.
    pub aspect_min: f32,
    /// See `aspect_min`.
    pub aspect_max: f32,
    /// Standard deviation of the Gaussian jitter of each skeleton key point, in glyph units.
    pub point_jitter: f32,
    /// Amplitude of the smooth elastic displacement field, in glyph units.
    pub elastic_amp: f32,
    /// Pen radius (half the stroke width) is uniform in `[stroke_radius_min, stroke_radius_max]` px.
    pub stroke_radius_min: f32,
    /// See `stroke_radius_min`.
    pub stroke_radius_max: f32,
    /// Relative amplitude of the pen-pressure variation of the radius along a stroke.
    pub pressure_variation: f32,
    /// Width of the anti-aliased edge ramp is uniform in `[edge_soft_min, edge_soft_max]` px.
    pub edge_soft_min: f32,
    /// See `edge_soft_min`.
    pub edge_soft_max: f32,
    /// Standard deviation of the additive noise on inked pixels (background stays exactly 0).
    pub ink_noise: f32,
    /// The glyph's longer side (ink included) is scaled to a box uniform in `[fit_box_min, fit_box_max]`
    /// px; MNIST uses exactly 20.
    pub fit_box_min: f32,
    /// See `fit_box_min`.
    pub fit_box_max: f32,
    /// Standard deviation of the offset of the center of mass from the frame center, in px.
    pub center_jitter: f32,
    /// Scales the style randomness that creates ambiguity: loop gaps and overshoots, detached bars,
    /// shape proportions. 0 gives tidy digits, 1 is the default, 2 is very sloppy.
    pub sloppiness: f32,
}

impl Default for DigitStyle {
    fn default() -> Self {
        DigitStyle {
            rotation_sd_deg: 8.0,
            rotation_max_deg: 15.0,
            slant_mean: 0.12,
            slant_sd: 0.2,
            aspect_min: 0.75,
            aspect_max: 1.25,
            point_jitter: 0.025,
            elastic_amp: 0.07,
            stroke_radius_min: 0.8,
            stroke_radius_max: 2.2,
            pressure_variation: 0.18,
            edge_soft_min: 0.9,
            edge_soft_max: 1.7,
            ink_noise: 0.05,
            fit_box_min: 18.5,
            fit_box_max: 20.0,
            center_jitter: 0.35,
            sloppiness: 1.5,
        }
    }
}

/// A set of labelled 28×28 digit images, MNIST layout: `images` is `n × 784` row-major `u8`.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitSet {
    /// Number of images.
    pub n: usize,
    /// `n × 784` pixels, row-major, 0 = background, 255 = full ink.
    pub images: Vec<u8>,
    /// `n` labels in `0..=9`.
    pub labels: Vec<u8>,
}

impl DigitSet {
    /// Image `i` as 784 floats in `[0, 1]` (pixel / 255, as MNIST models expect).
    ///
    /// # Panics
    /// If `i >= n`.
    pub fn image_f32(&self, i: usize) -> Vec<f32> {
        assert!(i < self.n, "image index {i} out of range for a set of {}", self.n);
        to_f32(&self.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS])
    }

    /// Images `start..start + count` as `count × 784` floats in `[0, 1]`; the range is clamped at `n`
    /// (so the last batch may be short, and a start past the end gives an empty vector).
    pub fn batch_f32(&self, start: usize, count: usize) -> Vec<f32> {
        let s = start.min(self.n);
        let e = start.saturating_add(count).min(self.n);
        to_f32(&self.images[s * IMAGE_PIXELS..e * IMAGE_PIXELS])
    }

    /// SHA-256, lowercase hex, over: `n` as a little-endian `u64`, then the `n` label bytes, then the
    /// `n × 784` image bytes. (`u64`, not `usize`, so wasm32 and x86_64 hash the same bytes.)
    pub fn sha256_hex(&self) -> String {
        let mut h = Sha256::new();
        h.update((self.n as u64).to_le_bytes());
        h.update(&self.labels);
        h.update(&self.images);
        hex(&h.finalize())
    }

    /// How many images of each class.
    pub fn class_counts(&self) -> [usize; 10] {
        let mut c = [0; 10];
        for &l in &self.labels {
            c[l as usize % 10] += 1;
        }
        c
    }
}

fn to_f32(px: &[u8]) -> Vec<f32> {
    px.iter().map(|&p| p as f32 / 255.0).collect()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// `n` digits from `seed` with the default style. Labels come in shuffled blocks of ten (each block
/// of ten consecutive items holds every class once), so any split is balanced.
pub fn generate(seed: u64, n: usize) -> DigitSet {
    generate_with_style(seed, n, &DigitStyle::default())
}

/// `n` digits from `seed` with an explicit style (for tuning the difficulty).
pub fn generate_with_style(seed: u64, n: usize, style: &DigitStyle) -> DigitSet {
    let mut images = vec![0u8; n * IMAGE_PIXELS];
    let mut labels = Vec::with_capacity(n);
    for (i, img) in images.chunks_exact_mut(IMAGE_PIXELS).enumerate() {
        labels.push(render_item(seed, i as u64, style, img));
    }
    DigitSet { n, images, labels }
}

/// The training split: the first `n` items of [`DIGITS_TRAIN_SEED`].
pub fn train_split(n: usize) -> DigitSet {
    generate(DIGITS_TRAIN_SEED, n)
}

/// The held-out test split: [`DIGITS_TEST_SIZE`] items of [`DIGITS_TEST_SEED`].
pub fn test_split() -> DigitSet {
    generate(DIGITS_TEST_SEED, DIGITS_TEST_SIZE)
}

/// Renders item `index` of the set with `seed` into `out` (784 bytes) and returns its label. This is
/// exactly what [`generate_with_style`] does per item, so a single image can be regenerated alone.
///
/// # Panics
/// If `out.len() != 784`.
pub fn render_item(seed: u64, index: u64, style: &DigitStyle, out: &mut [u8]) -> u8 {
    assert_eq!(out.len(), IMAGE_PIXELS, "render_item needs a 784-byte buffer");
    let label = block_label(seed, index, 10);
    let mut rng = SplitMix64::for_item(seed, IMAGE_STREAM, index);
    render_digit(label, &mut rng, style, out);
    label
}

// ---------------------------------------------------------------------------------------------
// Skeletons

/// A skeleton key point; `corner` makes the spline turn sharply there instead of passing smoothly.
#[derive(Clone, Copy, Debug)]
struct Key {
    x: f32,
    y: f32,
    corner: bool,
}

fn k(x: f32, y: f32) -> Key {
    Key { x, y, corner: false }
}

fn c(x: f32, y: f32) -> Key {
    Key { x, y, corner: true }
}

/// `n + 1` key points along an ellipse arc starting at angle `a0` and turning by `sweep` radians
/// (y down, so a positive sweep runs clockwise on screen).
fn arc(cx: f32, cy: f32, rx: f32, ry: f32, a0: f32, sweep: f32, n: usize) -> Vec<Key> {
    (0..=n)
        .map(|i| {
            let a = a0 + sweep * (i as f32 / n as f32);
            k(cx + rx * libm::cosf(a), cy + ry * libm::sinf(a))
        })
        .collect()
}

/// The pen strokes of one digit of class `label`, with its style variant and proportions drawn from
/// `r`. Coordinates: x in about `[0, 0.6]`, y in `[0, 1]`, y pointing down.
fn skeleton(label: u8, r: &mut SplitMix64, st: &DigitStyle) -> Vec<Vec<Key>> {
    let sl = st.sloppiness;
    // Two uniform draws choose the style variant; they do not depend on the sloppiness.
    let (pick, pick2) = (r.uniform(), r.uniform());
    // A proportion that varies more when the style is sloppier.
    let mut v = |base: f32, spread: f32| base + sl * spread * (2.0 * r.uniform() - 1.0);
    match label {
        0 => {
            let rx = v(0.26, 0.07);
            let start = -FRAC_PI_2 + v(0.0, 0.5);
            let sweep = TAU + v(0.05, 0.45);
            let dir = if pick < 0.65 { -1.0 } else { 1.0 };
            vec![arc(0.3, 0.5, rx, 0.5, start, dir * sweep, 10)]
        }
        1 => {
            let kind = pick;
            let top = k(0.32 + v(0.0, 0.03), 0.0);
            let mid = k(0.31 + v(0.0, 0.03), 0.5);
            let bot = k(0.3, 1.0);
            if kind < 0.55 {
                vec![vec![top, mid, bot]]
            } else {
                let flag = k(0.32 - v(0.2, 0.06), v(0.22, 0.07));
                let mut s = vec![vec![flag, Key { corner: true, ..top }, mid, bot]];
                if kind > 0.85 {
                    let w = v(0.2, 0.05);
                    s.push(vec![k(0.3 - w, 1.0), k(0.3 + w, 1.0)]);
                }
                s
            }
        }
        2 => {
            let loopy = pick < 0.3;
            let mut s = vec![
                k(0.04, v(0.25, 0.06)),
                k(0.2, 0.03),
                k(0.4, 0.0),
                k(0.56, 0.16),
                k(0.5, 0.42),
                k(v(0.26, 0.04), 0.7),
            ];
            if loopy {
                s.extend([k(0.05, 0.93), k(0.16, 1.0), k(0.27, 0.91), k(0.15, 0.86), k(0.07, 0.96)]);
                s.extend([k(0.34, 0.99), k(v(0.62, 0.05), 0.95)]);
            } else {
                s.extend([c(v(0.02, 0.03), 0.98), k(0.32, 0.97), k(v(0.62, 0.05), 0.99)]);
            }
            vec![s]
        }
        3 => {
            if pick < 0.2 {
                // Flat-topped 3: a bar, a diagonal, then the lower bowl.
                vec![vec![
                    k(0.05, 0.02),
                    c(0.55, 0.02),
                    c(v(0.25, 0.05), 0.42),
                    k(0.48, 0.52),
                    k(0.58, 0.74),
                    k(0.45, 0.95),
                    k(0.2, 1.0),
                    k(0.02, v(0.88, 0.05)),
                ]]
            } else {
                let mid = if pick2 < 0.5 { c(v(0.22, 0.05), 0.47) } else { k(v(0.24, 0.05), 0.47) };
                vec![vec![
                    k(0.05, v(0.13, 0.05)),
                    k(0.27, 0.0),
                    k(0.5, 0.07),
                    k(0.53, 0.25),
                    k(0.4, 0.41),
                    mid,
                    k(0.47, 0.53),
                    k(0.59, 0.73),
                    k(0.48, 0.93),
                    k(0.26, 1.0),
                    k(0.03, v(0.88, 0.05)),
                ]]
            }
        }
        4 => {
            let bar_y = v(0.64, 0.06);
            let stem_x = v(0.45, 0.04);
            if pick < 0.55 {
                // Closed 4: diagonal from the stem's top down to the bar.
                vec![
                    vec![k(stem_x - 0.02, 0.0), c(v(0.02, 0.03), bar_y), k(v(0.62, 0.04), bar_y - 0.02)],
                    vec![k(stem_x, v(0.04, 0.05)), k(stem_x + 0.01, 1.0)],
                ]
            } else {
                // Open 4: an L, then a separate stem.
                vec![
                    vec![k(v(0.09, 0.04), 0.0), c(0.04, bar_y), k(v(0.62, 0.04), bar_y - 0.02)],
                    vec![k(stem_x, v(0.12, 0.1)), k(stem_x + 0.01, 1.0)],
                ]
            }
        }
        5 => {
            let knee = v(0.45, 0.05);
            let body = vec![
                k(0.14, 0.0),
                c(0.1, knee),
                k(0.3, knee - 0.07),
                k(0.5, knee + 0.0),
                k(0.59, 0.68),
                k(0.5, 0.9),
                k(0.3, 1.0),
                k(0.04, v(0.9, 0.05)),
            ];
            let bar_end = k(v(0.6, 0.05), v(0.0, 0.04));
            if pick < 0.5 {
                // Bar drawn separately, sometimes detached from the stem.
                let gap = v(0.02, 0.05).max(0.0);
                vec![body, vec![k(0.14 + gap, -0.01), bar_end]]
            } else {
                let mut s = vec![bar_end];
                s.extend(body.into_iter().enumerate().map(|(i, p)| if i == 0 { c(p.x, p.y) } else { p }));
                vec![s]
            }
        }
        6 => {
            let close = v(0.0, 0.08);
            vec![vec![
                k(v(0.52, 0.05), 0.0),
                k(0.3, 0.13),
                k(0.12, 0.38),
                k(0.05, 0.66),
                k(0.13, 0.91),
                k(0.32, 1.0),
                k(0.52, 0.9),
                k(0.55, 0.7),
                k(0.41, v(0.55, 0.05)),
                k(0.22, 0.55),
                k(0.08 + close, 0.66 + close),
            ]]
        }
        7 => {
            let kind = pick;
            let mut main =
                vec![k(0.02, v(0.04, 0.03)), c(v(0.6, 0.04), 0.0), k(v(0.43, 0.05), 0.45), k(v(0.26, 0.06), 1.0)];
            if kind > 0.85 {
                main.insert(0, k(0.03, v(0.17, 0.05)));
                main[1].corner = true;
            }
            let mut s = vec![main];
            if kind < 0.2 {
                let y = v(0.52, 0.05);
                s.push(vec![k(v(0.2, 0.04), y), k(v(0.6, 0.05), y - 0.02)]);
            }
            s
        }
        8 => {
            if pick < 0.75 {
                let waist = v(0.45, 0.04);
                let end_gap = v(0.0, 0.05);
                vec![vec![
                    k(0.52, 0.13 + end_gap),
                    k(0.33, 0.0),
                    k(0.1, 0.1),
                    k(0.13, 0.3),
                    k(0.3, waist),
                    k(0.5, 0.6),
                    k(0.55, 0.83),
                    k(0.32, 1.0),
                    k(0.07, 0.87),
                    k(0.1, 0.64),
                    k(0.3, waist),
                    k(0.47, 0.3),
                    k(0.5 + end_gap, 0.11),
                ]]
            } else {
                let split = v(0.46, 0.04);
                let a = v(-FRAC_PI_2, 0.3);
                vec![
                    arc(0.3, split / 2.0, v(0.2, 0.04), split / 2.0, a, -(TAU + v(0.1, 0.25)), 8),
                    arc(0.3, (1.0 + split) / 2.0, v(0.26, 0.04), (1.0 - split) / 2.0, a, TAU + v(0.1, 0.25), 8),
                ]
            }
        }
        _ => {
            // 9: a loop drawn anticlockwise from its right side, then the stem.
            let ry = v(0.24, 0.04);
            let rx = v(0.25, 0.04);
            let cy = ry;
            let gap = v(0.1, 0.3);
            let mut s = arc(0.3, cy, rx, ry, 0.0, -(TAU - gap), 8);
            let last = s.len() - 1;
            s[last].corner = true;
            let sx = 0.3 + rx;
            if pick < 0.35 {
                // Curved stem with a tail to the left.
                s.extend([k(sx + 0.01, 0.6), k(sx - 0.08, 0.92), k(v(0.3, 0.06), 1.0)]);
            } else {
                s.extend([k(sx - 0.01, 0.6), k(sx - v(0.04, 0.04), 1.0)]);
            }
            vec![s]
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Geometry and rendering

/// Flattens a stroke's key points into a polyline: cubic Hermite segments with Catmull–Rom
/// tangents, one-sided at the ends and at corners.
fn flatten(keys: &[Key], out: &mut Vec<(f32, f32)>) {
    out.push((keys[0].x, keys[0].y));
    let n = keys.len();
    for i in 0..n.saturating_sub(1) {
        let (p0, p1) = (keys[i], keys[i + 1]);
        let chord = (p1.x - p0.x, p1.y - p0.y);
        let m0 = if i == 0 || p0.corner { chord } else { ((p1.x - keys[i - 1].x) * 0.5, (p1.y - keys[i - 1].y) * 0.5) };
        let m1 =
            if i + 2 >= n || p1.corner { chord } else { ((keys[i + 2].x - p0.x) * 0.5, (keys[i + 2].y - p0.y) * 0.5) };
        let len = libm::sqrtf(chord.0 * chord.0 + chord.1 * chord.1);
        let steps = (1 + (len * 14.0) as usize).min(10);
        for s in 1..=steps {
            let t = s as f32 / steps as f32;
            let t2 = t * t;
            let t3 = t2 * t;
            let h00 = 2.0 * t3 - 3.0 * t2 + 1.0;
            let h10 = t3 - 2.0 * t2 + t;
            let h01 = -2.0 * t3 + 3.0 * t2;
            let h11 = t3 - t2;
            out.push((
                h00 * p0.x + h10 * m0.0 + h01 * p1.x + h11 * m1.0,
                h00 * p0.y + h10 * m0.1 + h01 * p1.y + h11 * m1.1,
            ));
        }
    }
}

/// One stroke segment in pixel coordinates with the pen radius at each end.
#[derive(Clone, Copy)]
struct Seg {
    ax: f32,
    ay: f32,
    bx: f32,
    by: f32,
    ra: f32,
    rb: f32,
}

fn render_digit(label: u8, r: &mut SplitMix64, st: &DigitStyle, out: &mut [u8]) {
    // 1. Skeleton, jittered key points, flattened.
    let strokes = skeleton(label, r, st);
    let mut lines: Vec<Vec<(f32, f32)>> = Vec::with_capacity(strokes.len());
    for mut keys in strokes {
        for p in keys.iter_mut() {
            p.x += st.point_jitter * r.normal();
            p.y += st.point_jitter * r.normal();
        }
        let mut poly = Vec::with_capacity(keys.len() * 6);
        flatten(&keys, &mut poly);
        lines.push(poly);
    }

    // 2. Elastic: a smooth displacement field, two plane waves per axis.
    let mut waves = [(0.0f32, 0.0f32, 0.0f32, 0.0f32); 4];
    for w in waves.iter_mut() {
        let amp = st.elastic_amp * r.range(0.3, 1.0);
        let ang = r.range(0.0, TAU);
        let freq = r.range(3.0, 7.0);
        *w = (amp, freq * libm::cosf(ang), freq * libm::sinf(ang), r.range(0.0, TAU));
    }
    let wave = |w: (f32, f32, f32, f32), x: f32, y: f32| w.0 * libm::sinf(w.1 * x + w.2 * y + w.3);

    // 3. Affine about the glyph center: aspect, slant, rotation.
    let aspect = r.range(st.aspect_min, st.aspect_max);
    let slant = r.normal_clipped(st.slant_mean, st.slant_sd, 3.0 * st.slant_sd);
    let rot = r.normal_clipped(0.0, st.rotation_sd_deg, st.rotation_max_deg) * (PI / 180.0);
    let (sr, cr) = (libm::sinf(rot), libm::cosf(rot));
    let (mut minx, mut miny, mut maxx, mut maxy) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for poly in lines.iter_mut() {
        for p in poly.iter_mut() {
            let (x0, y0) = (p.0, p.1);
            let x = x0 + wave(waves[0], x0, y0) + wave(waves[1], x0, y0) - 0.3;
            let y = y0 + wave(waves[2], x0, y0) + wave(waves[3], x0, y0) - 0.5;
            let x = x * aspect - slant * y;
            *p = (cr * x - sr * y, sr * x + cr * y);
            minx = minx.min(p.0);
            maxx = maxx.max(p.0);
            miny = miny.min(p.1);
            maxy = maxy.max(p.1);
        }
    }

    // 4. Pen: radius per point (pressure varies smoothly along the stroke), edge softness.
    let r0 = r.range(st.stroke_radius_min, st.stroke_radius_max);
    let soft = r.range(st.edge_soft_min, st.edge_soft_max);
    let box_px = r.range(st.fit_box_min, st.fit_box_max);
    let extent = (maxx - minx).max(maxy - miny).max(1e-3);
    let scale = (box_px - 2.0 * r0) / extent;

    let mut segs: Vec<Seg> = Vec::with_capacity(lines.iter().map(|l| l.len()).sum());
    let (mut mass, mut mx, mut my) = (0.0f32, 0.0f32, 0.0f32);
    for poly in &lines {
        let phase = r.range(0.0, TAU);
        let freq = r.range(4.0, 10.0);
        let stroke_gain = 1.0 + st.pressure_variation * r.range(-0.5, 0.5);
        let mut arc_len = 0.0f32;
        let mut prev_r = r0 * stroke_gain * (1.0 + st.pressure_variation * libm::sinf(phase));
        if poly.len() == 1 {
            let (x, y) = poly[0];
            segs.push(Seg { ax: x, ay: y, bx: x, by: y, ra: prev_r, rb: prev_r });
        }
        for w in poly.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = libm::sqrtf(dx * dx + dy * dy);
            arc_len += len;
            let rb = r0 * stroke_gain * (1.0 + st.pressure_variation * libm::sinf(phase + freq * arc_len));
            // Ink mass of the segment ~ length × width, at its midpoint (overlaps are ignored; the
            // integer re-centering below corrects the rare large error).
            let m = len * (prev_r + rb);
            mass += m;
            mx += m * (a.0 + b.0) * 0.5;
            my += m * (a.1 + b.1) * 0.5;
            segs.push(Seg { ax: a.0, ay: a.1, bx: b.0, by: b.1, ra: prev_r, rb });
            prev_r = rb;
        }
    }
    let (cx, cy) = if mass > 0.0 { (mx / mass, my / mass) } else { ((minx + maxx) * 0.5, (miny + maxy) * 0.5) };

    // 5. MNIST normalization: scale into the box, center of mass to the frame center (+ jitter).
    let half = IMAGE_SIDE as f32 * 0.5;
    let ox = half + st.center_jitter * r.normal();
    let oy = half + st.center_jitter * r.normal();
    for s in segs.iter_mut() {
        s.ax = (s.ax - cx) * scale + ox;
        s.ay = (s.ay - cy) * scale + oy;
        s.bx = (s.bx - cx) * scale + ox;
        s.by = (s.by - cy) * scale + oy;
    }

    // 6. Rasterize: coverage = smoothstep of the signed distance to the pen's edge, max over segments.
    let mut ink = [0.0f32; IMAGE_PIXELS];
    let inv_soft = 1.0 / soft;
    let side = IMAGE_SIDE as i32;
    for s in &segs {
        let reach = s.ra.max(s.rb) + 0.5 * soft + 0.5;
        let x0 = (libm::floorf(s.ax.min(s.bx) - reach) as i32).max(0);
        let x1 = (libm::ceilf(s.ax.max(s.bx) + reach) as i32).min(side - 1);
        let y0 = (libm::floorf(s.ay.min(s.by) - reach) as i32).max(0);
        let y1 = (libm::ceilf(s.ay.max(s.by) + reach) as i32).min(side - 1);
        let (ex, ey) = (s.bx - s.ax, s.by - s.ay);
        let l2 = ex * ex + ey * ey;
        let inv_l2 = if l2 > 1e-12 { 1.0 / l2 } else { 0.0 };
        for py in y0..=y1 {
            let fy = py as f32 + 0.5;
            for px in x0..=x1 {
                let fx = px as f32 + 0.5;
                let t = (((fx - s.ax) * ex + (fy - s.ay) * ey) * inv_l2).clamp(0.0, 1.0);
                let dx = fx - (s.ax + t * ex);
                let dy = fy - (s.ay + t * ey);
                let d = libm::sqrtf(dx * dx + dy * dy);
                let rad = s.ra + t * (s.rb - s.ra);
                let u = ((rad - d) * inv_soft + 0.5).clamp(0.0, 1.0);
                let cov = u * u * (3.0 - 2.0 * u);
                let cell = &mut ink[py as usize * IMAGE_SIDE + px as usize];
                if cov > *cell {
                    *cell = cov;
                }
            }
        }
    }

    // 7. Noise on the ink only (MNIST backgrounds are exactly 0), then quantize.
    for (o, &v) in out.iter_mut().zip(ink.iter()) {
        let v = if v > 0.0 { (v + st.ink_noise * r.normal() * v).clamp(0.0, 1.0) } else { 0.0 };
        *o = (v * 255.0 + 0.5) as u8;
    }
    recenter(out, ox - 0.5, oy - 0.5);
}

/// Shifts the image by whole pixels so that its measured center of mass lands within half a pixel
/// of the target (in pixel-index coordinates), as MNIST's own centering did. The skeleton-based
/// estimate above is usually already that close, so this rarely moves anything.
fn recenter(img: &mut [u8], tx: f32, ty: f32) {
    let (mut m, mut sx, mut sy) = (0u64, 0u64, 0u64);
    for (i, &p) in img.iter().enumerate() {
        let p = p as u64;
        m += p;
        sx += p * (i % IMAGE_SIDE) as u64;
        sy += p * (i / IMAGE_SIDE) as u64;
    }
    if m == 0 {
        return;
    }
    let cx = sx as f32 / m as f32;
    let cy = sy as f32 / m as f32;
    let dx = libm::floorf(tx - cx + 0.5) as i32;
    let dy = libm::floorf(ty - cy + 0.5) as i32;
    if dx == 0 && dy == 0 {
        return;
    }
    let src: Vec<u8> = img.to_vec();
    let side = IMAGE_SIDE as i32;
    for y in 0..side {
        for x in 0..side {
            let (sx, sy) = (x - dx, y - dy);
            img[(y * side + x) as usize] =
                if (0..side).contains(&sx) && (0..side).contains(&sy) { src[(sy * side + sx) as usize] } else { 0 };
        }
    }
}
