//! Reference 2×2 max-pool, stride 2 (odd trailing row/column dropped, as in PyTorch's default).

/// Max-pools `planes` planes of `h×w` into `planes × (h/2) × (w/2)`.
#[inline(never)]
pub fn f32_maxpool2(planes: usize, h: usize, w: usize, input: &[f32], out: &mut [f32]) {
    let (oh, ow) = (h / 2, w / 2);
    assert!(input.len() >= planes * h * w && out.len() >= planes * oh * ow);
    for p in 0..planes {
        let src = &input[p * h * w..][..h * w];
        for y in 0..oh {
            for x in 0..ow {
                let i = 2 * y * w + 2 * x;
                out[(p * oh + y) * ow + x] = src[i].max(src[i + 1]).max(src[i + w]).max(src[i + w + 1]);
            }
        }
    }
}
