//! Fresh inputs: drawn from the run's seed, never the public splits, never repeating in timing.
use std::collections::HashSet;
use tinymlperf::data::{digits, fresh, sequences};
use tinymlperf::models::OwnedInput;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fresh_splits_depend_on_the_run_seed_and_share_nothing_with_the_public_split() {
    let a = fresh::fresh_digits(1, 200);
    assert_eq!(a, fresh::fresh_digits(1, 200), "same seed, same split (a run can be repeated)");
    assert_ne!(a.images, fresh::fresh_digits(2, 200).images);
    let public: HashSet<&[u8]> = {
        let t = digits::test_split();
        let imgs: Vec<Vec<u8>> = (0..t.n).map(|i| t.images[i * 784..(i + 1) * 784].to_vec()).collect();
        let leaked: &'static [Vec<u8>] = Box::leak(imgs.into_boxed_slice());
        leaked.iter().map(|v| v.as_slice()).collect()
    };
    assert!(a.images.chunks_exact(784).all(|img| !public.contains(img)), "no fresh image is a public test image");
    let s = fresh::fresh_sequences(1, 100);
    let pub_seqs: HashSet<&[u8]> = sequences::test_split().tokens.chunks_exact(64).map(|c| c.to_vec()).map(|v| &*Box::leak(v.into_boxed_slice())).collect();
    assert!(s.tokens.chunks_exact(64).all(|q| !pub_seqs.contains(q)));
    // Balanced and labelled like the public split.
    assert!(a.class_counts().iter().all(|&c| c == 20));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn timing_streams_never_repeat_an_input() {
    let mut d = fresh::InputStream::new(true, 9, 0, 16);
    let mut seen = HashSet::new();
    for _ in 0..300 {
        let OwnedInput::Pixels(b) = d.next_batch().0 else { panic!("a digit stream gives pixels") };
        assert!(b.iter().all(|v| (0.0..=1.0).contains(v)));
        for img in b.chunks_exact(784) {
            let key: Vec<u32> = img.iter().map(|v| v.to_bits()).collect();
            assert!(seen.insert(key), "an image repeated within 4,800 draws from a pool of {}", fresh::DIGIT_POOL);
        }
    }
    let mut t = fresh::InputStream::new(false, 9, 0, 1);
    let mut seqs = HashSet::new();
    for _ in 0..2000 {
        let OwnedInput::Tokens(q) = t.next_batch().0 else { panic!("a sequence stream gives tokens") };
        assert!(seqs.insert(q));
    }
    // The two sides of a comparison draw different streams; the same side and seed, the same one.
    let first = |side| fresh::InputStream::new(true, 9, side, 16).next_batch();
    assert_ne!(first(1), first(0));
    assert_eq!(first(1), first(1));
    // Labels come with every sample, from the pool's own labels.
    let (_, labels) = first(2);
    assert_eq!(labels.len(), 16);
    assert!(labels.iter().all(|&l| l < 10));
}
