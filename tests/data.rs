//! The datasets: the digit generator and the sequence task are deterministic and pinned by hash (the
//! same hashes natively and in wasm, which is what proves the bytes are identical across targets),
//! look like what they claim to be, and the IDX reader round-trips and rejects bad files with a
//! message that names the problem. Runs natively and in wasm (Node).
use std::io::Write;
use tinymlperf::data::digits::{self, DigitSet, DigitStyle, IMAGE_PIXELS, IMAGE_SIDE};
use tinymlperf::data::idx;
use tinymlperf::data::sequences::{self, MARKER_BASE, SEQ_CLASSES, SEQ_LEN, VOCAB};
use tinymlperf::Error;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

// ---------------------------------------------------------------------------------------------
// Digits

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn digits_are_deterministic_and_seeded() {
    let a = digits::generate(42, 200);
    let b = digits::generate(42, 200);
    assert_eq!(a, b, "same seed must give the same bytes");
    let c = digits::generate(43, 200);
    assert_ne!(a.images, c.images, "different seeds must give different images");
    // Items depend only on (seed, index): a shorter split is a prefix of a longer one.
    let p = digits::generate(42, 37);
    assert_eq!(p.images[..], a.images[..37 * IMAGE_PIXELS]);
    assert_eq!(p.labels[..], a.labels[..37]);
    // And one item can be regenerated alone.
    let mut one = vec![0u8; IMAGE_PIXELS];
    let label = digits::render_item(42, 123, &DigitStyle::default(), &mut one);
    assert_eq!(label, a.labels[123]);
    assert_eq!(one[..], a.images[123 * IMAGE_PIXELS..124 * IMAGE_PIXELS]);
    assert_ne!(digits::DIGITS_TRAIN_SEED, digits::DIGITS_TEST_SEED);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn digit_test_split_matches_recorded_hash() {
    let t = digits::test_split();
    assert_eq!(t.n, digits::DIGITS_TEST_SIZE);
    assert_eq!(t.images.len(), t.n * IMAGE_PIXELS);
    assert_eq!(t.labels.len(), t.n);
    assert_eq!(
        t.sha256_hex(),
        digits::DIGITS_TEST_SHA256,
        "test_split() bytes changed: the generator is not deterministic on this target, or it was \
         changed on purpose and DIGITS_TEST_SHA256 must be re-recorded"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn digit_labels_are_balanced() {
    for set in [digits::train_split(5_000), digits::generate(digits::DIGITS_TEST_SEED, 3_000)] {
        let counts = set.class_counts();
        assert_eq!(counts.iter().sum::<usize>(), set.n);
        for (class, &c) in counts.iter().enumerate() {
            let frac = c as f64 / set.n as f64;
            assert!((0.08..=0.12).contains(&frac), "class {class} is {frac:.3} of the set: {counts:?}");
        }
    }
    assert!(digits::train_split(1_000).labels.iter().all(|&l| l <= 9));
}

/// Center of mass of one image in pixel-index coordinates.
fn center_of_mass(img: &[u8]) -> (f64, f64) {
    let (mut m, mut x, mut y) = (0.0, 0.0, 0.0);
    for (i, &p) in img.iter().enumerate() {
        let p = p as f64;
        m += p;
        x += p * (i % IMAGE_SIDE) as f64;
        y += p * (i / IMAGE_SIDE) as f64;
    }
    (x / m, y / m)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn digit_pixel_statistics_look_like_mnist() {
    let set = digits::generate(digits::DIGITS_TEST_SEED, 2_000);
    let total: u64 = set.images.iter().map(|&p| p as u64).sum();
    let mean = total as f64 / set.images.len() as f64 / 255.0;
    // MNIST's mean intensity is 0.1307.
    assert!((0.10..=0.17).contains(&mean), "mean intensity {mean:.4}");
    let zeros = set.images.iter().filter(|&&p| p == 0).count() as f64 / set.images.len() as f64;
    // About 81% of MNIST's pixels are exactly 0.
    assert!((0.70..=0.90).contains(&zeros), "zero-pixel fraction {zeros:.3}");
    let (mut sx, mut sy, mut border_ink, mut all_ink) = (0.0, 0.0, 0u64, 0u64);
    for (i, img) in set.images.chunks_exact(IMAGE_PIXELS).enumerate() {
        let peak = *img.iter().max().unwrap();
        assert!(peak >= 200, "image {i} is too faint (peak {peak})");
        // The 2-pixel border is nearly empty: the digit was fitted into a 20×20 box, and only digits
        // whose center of mass is far off their box's center reach it (as in MNIST).
        let border: u64 = img
            .iter()
            .enumerate()
            .filter(|(j, _)| {
                let (x, y) = (j % IMAGE_SIDE, j / IMAGE_SIDE);
                x < 2 || y < 2 || x >= IMAGE_SIDE - 2 || y >= IMAGE_SIDE - 2
            })
            .map(|(_, &p)| p as u64)
            .sum();
        let ink: u64 = img.iter().map(|&p| p as u64).sum();
        assert!(border * 10 < ink, "image {i} has {border} of {ink} ink in the border");
        border_ink += border;
        all_ink += ink;
        let (cx, cy) = center_of_mass(img);
        assert!((cx - 13.5).abs() < 2.0 && (cy - 13.5).abs() < 2.0, "image {i} center of mass ({cx:.2}, {cy:.2})");
        sx += cx;
        sy += cy;
    }
    assert!(border_ink * 200 < all_ink, "{border_ink} of {all_ink} ink is in the 2-pixel border");
    let (mx, my) = (sx / set.n as f64, sy / set.n as f64);
    assert!((mx - 13.5).abs() < 0.3 && (my - 13.5).abs() < 0.3, "mean center of mass ({mx:.2}, {my:.2})");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn digit_float_views() {
    let set = digits::generate(7, 10);
    let img = set.image_f32(3);
    assert_eq!(img.len(), IMAGE_PIXELS);
    for (f, &b) in img.iter().zip(&set.images[3 * IMAGE_PIXELS..4 * IMAGE_PIXELS]) {
        assert_eq!(*f, b as f32 / 255.0);
        assert!((0.0..=1.0).contains(f));
    }
    assert_eq!(set.batch_f32(0, 10).len(), 10 * IMAGE_PIXELS);
    assert_eq!(set.batch_f32(8, 5).len(), 2 * IMAGE_PIXELS, "batch clamps at n");
    assert_eq!(set.batch_f32(8, 5)[..IMAGE_PIXELS], set.image_f32(8)[..]);
    assert!(set.batch_f32(10, 4).is_empty());
    assert!(set.batch_f32(usize::MAX, usize::MAX).is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn digit_style_knobs_change_the_output() {
    let d = DigitStyle::default();
    assert_eq!(digits::generate_with_style(5, 50, &d), digits::generate(5, 50));
    let tidy = DigitStyle { sloppiness: 0.0, point_jitter: 0.0, elastic_amp: 0.0, ..d.clone() };
    let a = digits::generate_with_style(5, 50, &tidy);
    assert_ne!(a.images, digits::generate(5, 50).images);
    assert_eq!(a.labels, digits::generate(5, 50).labels, "labels do not depend on the style");
}

// ---------------------------------------------------------------------------------------------
// IDX

fn small_set() -> DigitSet {
    digits::generate(99, 12)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The reason of an `Error::Format { format: "IDX", .. }`, or a panic naming what came instead.
fn idx_reason<T: std::fmt::Debug>(r: tinymlperf::Result<T>) -> String {
    match r {
        Err(Error::Format { format: "IDX", reason }) => reason,
        other => panic!("expected an IDX format error, got {other:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn idx_round_trip() {
    let s = small_set();
    let images = idx::write_images(s.n, IMAGE_SIDE, IMAGE_SIDE, &s.images);
    let labels = idx::write_labels(&s.labels);
    assert_eq!(images[..4], [0, 0, 8, 3]);
    assert_eq!(images.len(), 16 + s.n * IMAGE_PIXELS);
    assert_eq!(labels.len(), 8 + s.n);
    let (n, rows, cols, px) = idx::parse_images(&images).unwrap();
    assert_eq!((n, rows, cols), (s.n, 28, 28));
    assert_eq!(px, s.images);
    assert_eq!(idx::parse_labels(&labels).unwrap(), s.labels);
    assert_eq!(idx::mnist_from_bytes(&images, &labels).unwrap(), s);
    // Non-28×28 images parse generically.
    let (n, rows, cols, px) = idx::parse_images(&idx::write_images(2, 3, 5, &[7; 30])).unwrap();
    assert_eq!((n, rows, cols, px.len()), (2, 3, 5, 30));
    // An empty set is valid.
    let empty = idx::mnist_from_bytes(&idx::write_images(0, 28, 28, &[]), &idx::write_labels(&[])).unwrap();
    assert_eq!(empty.n, 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn idx_gzip_round_trip() {
    let s = small_set();
    let images = gzip(&idx::write_images(s.n, IMAGE_SIDE, IMAGE_SIDE, &s.images));
    let labels = gzip(&idx::write_labels(&s.labels));
    assert_eq!(images[..2], [0x1f, 0x8b]);
    assert_eq!(idx::mnist_from_bytes(&images, &labels).unwrap(), s);
    // Mixed: gzipped images, raw labels.
    assert_eq!(idx::mnist_from_bytes(&images, &idx::write_labels(&s.labels)).unwrap(), s);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn idx_rejects_bad_files_with_named_problems() {
    let s = small_set();
    let images = idx::write_images(s.n, IMAGE_SIDE, IMAGE_SIDE, &s.images);
    let labels = idx::write_labels(&s.labels);

    // Wrong magic: the four bytes found are printed.
    let mut bad = images.clone();
    bad[..4].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    let r = idx_reason(idx::parse_images(&bad));
    assert!(r.contains("magic") && r.contains("12 34 56 78"), "{r}");

    // Wrong dtype byte (float32).
    let mut bad = images.clone();
    bad[2] = 0x0D;
    let r = idx_reason(idx::parse_images(&bad));
    assert!(r.contains("dtype") && r.contains("0x0d"), "{r}");

    // Wrong number of dimensions: a label file given as images, and the reverse.
    let r = idx_reason(idx::parse_images(&labels));
    assert!(r.contains("1 dimensions, expected 3"), "{r}");
    let r = idx_reason(idx::parse_labels(&images));
    assert!(r.contains("3 dimensions, expected 1"), "{r}");

    // Truncated data, truncated header, empty input.
    let r = idx_reason(idx::parse_images(&images[..images.len() - 100]));
    let want = format!("need {} bytes, got {}", images.len(), images.len() - 100);
    assert!(r.contains("truncated") && r.contains(&want), "{r}");
    let r = idx_reason(idx::parse_images(&images[..10]));
    assert!(r.contains("truncated") && r.contains("16-byte header"), "{r}");
    let r = idx_reason(idx::parse_labels(&[]));
    assert!(r.contains("truncated"), "{r}");

    // Trailing garbage.
    let mut bad = labels.clone();
    bad.push(0);
    let r = idx_reason(idx::parse_labels(&bad));
    assert!(r.contains("1 trailing bytes"), "{r}");

    // A header whose dimensions overflow.
    let r = idx_reason(idx::parse_images(&[0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]));
    assert!(r.contains("too large"), "{r}");

    // Image count ≠ label count.
    let r = idx_reason(idx::mnist_from_bytes(&images, &idx::write_labels(&s.labels[..5])));
    assert!(r.contains("image count 12 does not match label count 5"), "{r}");

    // Not 28×28 where MNIST needs it.
    let r = idx_reason(idx::mnist_from_bytes(&idx::write_images(2, 32, 32, &[0; 2048]), &idx::write_labels(&[1, 2])));
    assert!(r.contains("32×32") && r.contains("28×28"), "{r}");

    // A label that is not a digit.
    let r = idx_reason(idx::parse_labels(&idx::write_labels(&[3, 9, 10, 1])));
    assert!(r.contains("label 10 at index 2"), "{r}");

    // Gzip magic followed by garbage.
    let mut bad = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    bad.extend_from_slice(b"definitely not deflate data");
    let r = idx_reason(idx::parse_images(&bad));
    assert!(r.contains("gzip"), "{r}");
    // A valid gzip stream cut short.
    let gz = gzip(&images);
    let r = idx_reason(idx::parse_images(&gz[..gz.len() / 2]));
    assert!(r.contains("gzip"), "{r}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn idx_gzip_bomb_hits_the_limit() {
    // 65 MiB of zeros compress to about 65 KiB.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..65 {
        e.write_all(&chunk).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    match idx::parse_images(&bomb) {
        Err(Error::Limit { what, limit, got }) => {
            assert_eq!(limit, idx::MAX_DECOMPRESSED);
            assert!(got > limit);
            assert!(what.contains("decompressed"), "{what}");
        }
        other => panic!("expected Error::Limit for a gzip bomb, got {other:?}"),
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn idx_load_mnist_dir() {
    let dir = std::env::temp_dir().join(format!("tinymlperf-idx-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = small_set();
    // Test split: gzipped images, raw labels (both spellings are accepted).
    std::fs::write(dir.join("t10k-images-idx3-ubyte.gz"), gzip(&idx::write_images(s.n, 28, 28, &s.images))).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), idx::write_labels(&s.labels)).unwrap();
    let got = idx::load_mnist_dir(&dir, idx::MnistSplit::Test);
    // Train split: files missing.
    let missing = idx::load_mnist_dir(&dir, idx::MnistSplit::Train);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(got.unwrap(), s);
    match missing {
        Err(Error::Io { path, reason }) => {
            assert!(path.contains("train-images-idx3-ubyte"), "{path}");
            assert!(reason.contains("no MNIST file found"), "{reason}");
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Sequences

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sequences_are_deterministic_and_pinned() {
    assert_eq!(sequences::generate(3, 100), sequences::generate(3, 100));
    assert_ne!(sequences::generate(3, 100).tokens, sequences::generate(4, 100).tokens);
    assert_ne!(sequences::SEQ_TRAIN_SEED, sequences::SEQ_TEST_SEED);
    let t = sequences::test_split();
    assert_eq!(t.n, sequences::SEQ_TEST_SIZE);
    assert_eq!(
        t.sha256_hex(),
        sequences::SEQ_TEST_SHA256,
        "sequences::test_split() bytes changed: re-record SEQ_TEST_SHA256 only if that was intended"
    );
    assert_eq!(sequences::train_split(50), sequences::generate(sequences::SEQ_TRAIN_SEED, 50));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sequences_are_well_formed_and_balanced() {
    let t = sequences::test_split();
    assert_eq!(t.tokens.len(), t.n * SEQ_LEN);
    assert_eq!(t.labels.len(), t.n);
    assert!(t.tokens.iter().all(|&x| (x as usize) < VOCAB));
    assert!(t.majority_rate() <= 0.30, "majority rate {}", t.majority_rate());
    assert_eq!(t.class_counts(), [500; 4]);
    for (i, seq) in t.tokens.chunks_exact(SEQ_LEN).enumerate() {
        assert_eq!(sequences::label_of(seq), Some(t.labels[i]), "sequence {i}: label is the first marker");
        for m in 0..SEQ_CLASSES as u8 {
            let c = seq.iter().filter(|&&x| x == MARKER_BASE + m).count();
            assert!((1..=3).contains(&c), "sequence {i} has marker {m} {c} times");
        }
    }
    let ids = t.tokens_u32(1_998, 10);
    assert_eq!(ids.len(), 2 * SEQ_LEN, "tokens_u32 clamps at n");
    assert_eq!(ids[0], t.tokens[1_998 * SEQ_LEN] as u32);
}

/// Reordering a sequence (same multiset) can always change its label, so the multiset alone cannot
/// determine it.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sequence_label_needs_order_permutation() {
    let t = sequences::test_split();
    let mut changed = 0;
    for seq in t.tokens.chunks_exact(SEQ_LEN) {
        let label = sequences::label_of(seq).unwrap();
        // Move the first occurrence of another marker to the front (a permutation of the same tokens).
        let other = MARKER_BASE + (label + 1) % SEQ_CLASSES as u8;
        let q = seq.iter().position(|&x| x == other).unwrap();
        let mut p = seq.to_vec();
        p[..=q].rotate_right(1);
        let (mut a, mut b) = (seq.to_vec(), p.clone());
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        if sequences::label_of(&p) != Some(label) {
            changed += 1;
        }
    }
    assert_eq!(changed, t.n, "every sequence has a reordering with a different label");
}

/// An order-blind model sees only token counts. The best such classifiers we can fit, a lookup of
/// the majority label per marker-count pattern and a multinomial naive Bayes over all 16 token
/// counts, both stay near chance (25%), while the order-aware rule is exact.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sequence_bag_of_tokens_is_near_chance() {
    let train = sequences::train_split(40_000);
    let test = sequences::test_split();
    let counts = |seq: &[u8]| {
        let mut c = [0usize; VOCAB];
        for &x in seq {
            c[x as usize] += 1;
        }
        c
    };
    // Marker-count pattern (4 markers × 1..=3 copies = 81 patterns) → label histogram.
    let key = |c: &[usize; VOCAB]| (0..SEQ_CLASSES).fold(0, |k, m| k * 4 + c[MARKER_BASE as usize + m]);
    let mut table = vec![[0usize; SEQ_CLASSES]; 256];
    // Naive Bayes token log-probabilities per class (Laplace smoothed).
    let mut tok = [[1.0f64; VOCAB]; SEQ_CLASSES];
    for (seq, &l) in train.tokens.chunks_exact(SEQ_LEN).zip(&train.labels) {
        let c = counts(seq);
        table[key(&c)][l as usize] += 1;
        for v in 0..VOCAB {
            tok[l as usize][v] += c[v] as f64;
        }
    }
    for row in tok.iter_mut() {
        let s: f64 = row.iter().sum();
        row.iter_mut().for_each(|p| *p = (*p / s).ln());
    }
    let (mut lookup_ok, mut nb_ok) = (0, 0);
    for (seq, &l) in test.tokens.chunks_exact(SEQ_LEN).zip(&test.labels) {
        let c = counts(seq);
        let h = &table[key(&c)];
        let guess = (0..SEQ_CLASSES).max_by_key(|&k| h[k]).unwrap();
        lookup_ok += (guess == l as usize) as usize;
        let score = |k: usize| (0..VOCAB).map(|v| c[v] as f64 * tok[k][v]).sum::<f64>();
        let nb = (0..SEQ_CLASSES).max_by(|&a, &b| score(a).total_cmp(&score(b))).unwrap();
        nb_ok += (nb == l as usize) as usize;
    }
    let lookup = lookup_ok as f64 / test.n as f64;
    let nb = nb_ok as f64 / test.n as f64;
    assert!(lookup <= 0.30, "marker-count lookup reaches {lookup:.3}");
    assert!(nb <= 0.30, "naive Bayes on token counts reaches {nb:.3}");
}
