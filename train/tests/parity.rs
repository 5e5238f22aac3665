//! The candle mirrors and the product's models must be the same function: export a mirror's
//! parameters as a package, load it with `tinymlperf::models`, and compare logits on held-out inputs.
//! This catches any layout slip (a missing transpose, a wrong flatten order, a different GELU or
//! LayerNorm) before hours are spent training the wrong model.
use candle_core::{Device, Tensor};
use tinymlperf::events::{self, EventId};
use tinymlperf::kernels;
use tinymlperf::models::{Model, OwnedInput};
use tinymlperf_train::build_net;

/// f32 sums in a different order differ by a few ulps; layout bugs differ by O(1).
const TOL: f32 = 1e-4;
const SAMPLES: usize = 8;

#[test]
fn candle_mirrors_match_the_product_models() {
    let dev = Device::Cpu;
    for id in EventId::ALL {
        let net = build_net(id, 11, &dev).unwrap();
        let mut package = net.params().to_package().unwrap();
        package.set_meta("architecture", events::spec(id).architecture);
        let model = Model::from_package(&package).unwrap();
        assert_eq!(model.param_count(), net.params().count(), "{id}: parameter count");
        let data = events::heldout(id);
        let input = data.inputs(0, SAMPLES);
        let want = model.forward(&kernels::scalar(), input.as_input(), SAMPLES).unwrap();
        let x = match &input {
            OwnedInput::Pixels(p) => Tensor::from_vec(p.clone(), (SAMPLES, 784), &dev).unwrap(),
            OwnedInput::Tokens(t) => Tensor::from_vec(t.clone(), (SAMPLES, 64), &dev).unwrap(),
        };
        let got: Vec<f32> = net.forward(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(got.len(), want.len(), "{id}: logits length");
        let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < TOL, "{id}: candle and product logits differ by {worst} (> {TOL})\ncandle  {got:?}\nproduct {want:?}");
        // Random-init logits are not all equal: the comparison above has something to compare.
        assert!(want.iter().any(|v| (v - want[0]).abs() > 1e-6), "{id}: degenerate logits");
    }
}
