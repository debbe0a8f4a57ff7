"""The web's NumPy forward pass against the torch networks it was exported from (every AE type, the GAN).

Tiny networks with random weights (and batch normalisation in a trained state), exported with
`export.serving_arrays`, written and read back as the web reads them: encode and decode must agree
with torch in eval mode.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from apps.representations.ml.config import RepresentationConfig
from apps.representations.ml.export import layers_export, serving_arrays
from apps.representations.ml.models import model_build
from apps.representations.ml.serving import RepresentationServing, layers_run, serving_write

ATOL = 1e-4
TINY = {
    "vanilla": {"code": 3, "hidden": [32, 16]},
    "linear": {"code": 4},
    "sparse": {"code": 12},
    "conv": {"code": 3, "width": 4},
    "denoising": {"code": 5, "hidden": [24]},
    "vae": {"code": 3, "width": 4, "hidden": [16]},
    "gan": {"code": 6, "width": 4},
}


def tiny_model(model: str, seed: int = 0):
    config = RepresentationConfig.from_dict({"model": model, "seed": seed, **TINY[model]})
    return model_build(config)


def norms_stir(model: nn.Module, steps: int = 3) -> None:
    """Put every batch norm of the decoder into a state far from its initial one: random scale and shift, and running
    statistics moved by a few forward passes in training mode over shifted, scaled codes."""
    generator = torch.Generator().manual_seed(1)
    norms = [m for m in model.decoder.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert norms, "the generator has batch norms"
    with torch.no_grad():
        for norm in norms:
            norm.weight.copy_(0.5 + torch.rand(norm.weight.shape, generator=generator))
            norm.bias.copy_(torch.randn(norm.bias.shape, generator=generator))
            norm.momentum = 0.5
        model.train()
        for _ in range(steps):
            model.decoder(3.0 * torch.randn((32, model.code_size), generator=generator) + 1.0)
    model.eval()
    for norm in norms:  # the stirring did move them, or the test below proves nothing about folding
        assert not torch.allclose(norm.running_mean, torch.zeros_like(norm.running_mean))
        assert not torch.allclose(norm.running_var, torch.ones_like(norm.running_var))


def images(count: int = 6, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(count, 28, 28), dtype=np.uint8)


def round_trip(arrays: dict[str, np.ndarray], tmp_path) -> RepresentationServing:
    path = tmp_path / "serving.npz"
    serving_write(path, arrays)
    return RepresentationServing.load(path)


@pytest.mark.parametrize("model_name", ["vanilla", "linear", "sparse", "conv", "denoising", "vae"])
def test_numpy_encode_and_decode_match_torch(model_name, tmp_path):
    model = tiny_model(model_name).eval()
    serving = round_trip(serving_arrays(model), tmp_path)
    assert serving.model == model_name and serving.code_size == TINY[model_name]["code"] and serving.has_encoder
    batch = images()
    x = torch.from_numpy(batch).float().div(255.0).unsqueeze(1)
    with torch.no_grad():
        codes = model.encode(x).numpy()
        decoded = model.decode(torch.from_numpy(codes)).clamp(0, 1).numpy()[:, 0]
    assert codes.shape == (len(batch), serving.code_size)
    np.testing.assert_allclose(serving.encode(batch), codes, atol=ATOL, rtol=1e-4)
    np.testing.assert_allclose(serving.decode_float(codes), decoded, atol=ATOL)
    assert serving.decode(codes).dtype == np.uint8
    np.testing.assert_array_less(np.abs(serving.decode(codes).astype(int) - decoded * 255.0), 0.5 + 255 * ATOL)
    np.testing.assert_allclose(serving.encode(batch[0]), codes[:1], atol=ATOL, rtol=1e-4)  # one H×W image


def test_the_vae_code_is_the_posterior_mean(tmp_path):
    model = tiny_model("vae").eval()
    arrays = serving_arrays(model)
    x = torch.from_numpy(images()).float().div(255.0).unsqueeze(1)
    with torch.no_grad():
        mu, logvar = model.vae.encode(x)
    served = RepresentationServing.from_arrays(arrays).encode(images())
    np.testing.assert_allclose(served, mu.numpy(), atol=ATOL, rtol=1e-4)
    assert not np.allclose(served, logvar.numpy(), atol=1e-2)


def test_the_gan_generator_with_folded_batch_norm_matches_torch(tmp_path):
    model = tiny_model("gan")
    norms_stir(model)
    serving = round_trip(serving_arrays(model), tmp_path)
    assert not serving.has_encoder and serving.meta["encoder"] is None
    assert not any(layer["op"].startswith("batch") for layer in serving.decoder_layers)
    z = np.random.default_rng(3).normal(size=(8, 6)).astype(np.float32)
    with torch.no_grad():
        expected = model.decode(torch.from_numpy(z)).numpy()[:, 0]
    np.testing.assert_allclose(serving.decode_float(z), expected, atol=ATOL)
    with pytest.raises(ValueError, match="no encoder"):
        serving.encode(images())


def test_conv_and_transposed_conv_with_batch_norm_fold_exactly():
    """Batch norm after Conv2d, Linear and ConvTranspose2d (with output padding), as export folds it."""
    torch.manual_seed(4)
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.LeakyReLU(0.2),
        nn.Conv2d(4, 6, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(6), nn.Tanh(),
        nn.Flatten(), nn.Linear(6 * 7 * 7, 5), nn.BatchNorm1d(5), nn.ReLU(),
        nn.Linear(5, 3 * 7 * 7), nn.Unflatten(1, (3, 7, 7)),
        nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(2), nn.ReLU(),
        nn.ConvTranspose2d(2, 1, 4, stride=2, padding=1), nn.Sigmoid(),
    )  # fmt: skip
    x = torch.from_numpy(images(16).astype(np.float32) / 255.0).unsqueeze(1)
    with torch.no_grad():
        for norm in (m for m in net if isinstance(m, nn.modules.batchnorm._BatchNorm)):
            norm.weight.uniform_(0.5, 2.0)
            norm.bias.normal_()
        net.train()
        for _ in range(3):
            net(x * 2.0 + 0.3)
    net.eval()
    arrays: dict[str, np.ndarray] = {}
    layers = layers_export(net, "n", arrays)
    assert [layer["op"] for layer in layers].count("conv_transpose2d") == 2 and len(arrays) == 2 * 6
    with torch.no_grad():
        expected = net(x).numpy()
    np.testing.assert_allclose(layers_run(layers, arrays, x.numpy()), expected, atol=ATOL)


def test_a_batch_norm_without_affine_parameters_folds_and_one_without_statistics_is_refused():
    torch.manual_seed(5)
    net = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4, affine=False), nn.ReLU())
    net.train()
    with torch.no_grad():
        net(torch.randn(32, 6) * 3 + 2)
    net.eval()
    arrays: dict[str, np.ndarray] = {}
    layers = layers_export(net, "n", arrays)
    x = np.random.default_rng(6).normal(size=(5, 6)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layers_run(layers, arrays, x), expected, atol=ATOL)
    with pytest.raises(ValueError, match="running statistics"):
        layers_export(nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4, track_running_stats=False)), "n", {})


def test_export_refuses_layers_serving_cannot_run():
    with pytest.raises(ValueError, match="GELU"):
        layers_export(nn.Sequential(nn.Linear(2, 2), nn.GELU()), "x", {})
    with pytest.raises(ValueError, match="not supported"):
        layers_export(nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2)), "x", {})


def test_extrapolated_flags_codes_outside_the_test_codes_box(tmp_path):
    model = tiny_model("conv").eval()
    low, high = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 3.0])
    serving = round_trip(serving_arrays(model, code_low=low, code_high=high), tmp_path)
    np.testing.assert_array_equal(serving.code_low, low.astype(np.float32))
    codes = np.array([[0.0, 0.2, 2.5], [-1.0, 0.5, 3.0], [1.01, 0.2, 2.5], [0.0, -0.1, 2.5], [0.0, 0.2, 3.2]])
    assert serving.extrapolated(codes).tolist() == [False, False, True, True, True]
    no_range = RepresentationServing.from_arrays(serving_arrays(model))
    assert no_range.extrapolated(codes).tolist() == [False] * 5


def test_a_file_of_another_format_is_refused(tmp_path):
    arrays = serving_arrays(tiny_model("linear"))
    arrays["meta"] = np.array(str(arrays["meta"]).replace('"version": 1', '"version": 99'))
    with pytest.raises(ValueError, match="not a"):
        round_trip(arrays, tmp_path)
