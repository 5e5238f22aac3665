//! Writes `docs/digits-montage.png`: the first 16 test-split digits of each class (rows 0–9), scaled
//! 2×, white ink on black as MNIST is usually shown. This picture is how a person judges whether the
//! generator's digits look handwritten.
//!
//! ```text
//! cargo run --release --example montage [OUT.png] [sloppiness]
//! ```
//!
//! The PNG is encoded by hand (8-bit grayscale, one zlib stream from `flate2`, CRC-32 computed here)
//! so the crate needs no image dependency.

use flate2::{write::ZlibEncoder, Compression};
use std::io::Write;
use tinymlperf::data::digits::{self, DigitStyle, IMAGE_PIXELS, IMAGE_SIDE};

const COLS: usize = 16;
const ZOOM: usize = 2;
const GAP: usize = 2;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "docs/digits-montage.png".to_string());
    let mut style = DigitStyle::default();
    if let Some(s) = args.next() {
        style.sloppiness = s.parse().expect("sloppiness must be a number");
    }

    // The first COLS items of each class from the test seed, in index order.
    let mut rows: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 10];
    let mut buf = vec![0u8; IMAGE_PIXELS];
    let mut i = 0u64;
    while rows.iter().any(|r| r.len() < COLS) {
        let label = digits::render_item(digits::DIGITS_TEST_SEED, i, &style, &mut buf) as usize;
        if rows[label].len() < COLS {
            rows[label].push(buf.clone());
        }
        i += 1;
    }

    let cell = IMAGE_SIDE * ZOOM + GAP;
    let (w, h) = (COLS * cell + GAP, 10 * cell + GAP);
    let mut img = vec![64u8; w * h]; // gray grid lines between black tiles
    for (r, row) in rows.iter().enumerate() {
        for (c, digit) in row.iter().enumerate() {
            for y in 0..IMAGE_SIDE * ZOOM {
                for x in 0..IMAGE_SIDE * ZOOM {
                    let v = digit[(y / ZOOM) * IMAGE_SIDE + x / ZOOM];
                    img[(GAP + r * cell + y) * w + GAP + c * cell + x] = v;
                }
            }
        }
    }
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir).expect("create output directory");
    }
    std::fs::write(&out, encode_png_gray(w, h, &img)).expect("write PNG");
    println!("wrote {out} ({w}×{h})");
}

/// Minimal PNG encoder: 8-bit grayscale, no interlace, filter type 0 on every row.
fn encode_png_gray(w: usize, h: usize, px: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity((w + 1) * h);
    for row in px.chunks_exact(w) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&raw).expect("deflate");
    let idat = z.finish().expect("deflate");

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(w as u32).to_be_bytes());
    ihdr.extend_from_slice(&(h as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // bit depth 8, grayscale, deflate, filter 0, no interlace

    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &idat[..]), (b"IEND", &[][..])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

/// CRC-32 (IEEE, reflected, as PNG chunks use), bitwise: the montage is small, speed is irrelevant.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
