import numpy as np
import pytest
import torch

from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import vae_build
from apps.gallery.ml.generate import (
    images_decode,
    interpolation_make,
    latent_map_make,
    latents_encode,
    reconstructions_make,
    samples_generate,
)

torch.set_num_threads(1)


def _model(model: str = "conv", seed: int = 0):
    return vae_build(VaeConfig(model=model, width=4, hidden=16, seed=seed)).eval()


def _images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


def _same_up_to_batching(a: np.ndarray, b: np.ndarray) -> None:
    # Decoding in batches of other sizes may take other BLAS paths (not bitwise batch-invariant),
    # which can move a pixel across a rounding boundary: one grey level, never more.
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_samples_shapes_and_types():
    images, latents = samples_generate(_model(), 6, seed=1, temperature=1.0)
    assert images.shape == (6, 28, 28) and images.dtype == np.uint8
    assert latents.shape == (6, 16) and latents.dtype == np.float32


def test_samples_are_reproducible_from_the_seed():
    model = _model()
    a, za = samples_generate(model, 5, seed=42, temperature=0.8)
    b, zb = samples_generate(_model(), 5, seed=42, temperature=0.8)  # same weights, rebuilt
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(za, zb)
    c, zc = samples_generate(model, 5, seed=43, temperature=0.8)
    assert not np.array_equal(za, zc) and not np.array_equal(a, c)
    d, _ = samples_generate(_model(seed=1), 5, seed=42, temperature=0.8)  # other weights
    assert not np.array_equal(a, d)


def test_temperature_scales_the_latents():
    model = _model()
    _, z1 = samples_generate(model, 4, seed=7, temperature=1.0)
    _, z_half = samples_generate(model, 4, seed=7, temperature=0.5)
    np.testing.assert_allclose(z_half, 0.5 * z1, rtol=1e-6)
    images, z0 = samples_generate(model, 3, seed=7, temperature=0.0)
    assert not z0.any() and (images == images[0]).all()


def test_stored_latents_decode_to_the_same_images():
    model = _model()
    images, latents = samples_generate(model, 4, seed=3)
    np.testing.assert_array_equal(images_decode(model, latents), images)


def test_images_are_the_bernoulli_means():
    model = _model("mlp")
    images, latents = samples_generate(model, 2, seed=0)
    with torch.no_grad():
        probs = torch.sigmoid(model.decode(torch.from_numpy(latents))).squeeze(1).numpy()
    np.testing.assert_array_equal(images, np.rint(probs * 255).astype(np.uint8))


def test_conditional_samples_follow_the_label():
    model = _model("conditional")
    sneakers, z = samples_generate(model, 3, seed=5, label="sneakers")
    also, _ = samples_generate(model, 3, seed=5, label=7)
    bags, z_bags = samples_generate(model, 3, seed=5, label="bag")
    np.testing.assert_array_equal(sneakers, also)
    np.testing.assert_array_equal(z, z_bags)  # same latents, other class
    assert not np.array_equal(sneakers, bags)
    mixed, _ = samples_generate(model, 2, seed=5, label=["sneaker", "bag"])
    assert mixed.shape == (2, 28, 28)
    drawn_a, _ = samples_generate(model, 4, seed=9)
    drawn_b, _ = samples_generate(model, 4, seed=9)
    np.testing.assert_array_equal(drawn_a, drawn_b)


@pytest.mark.parametrize(("kwargs", "match"), [({"label": "7"}, "not class-conditional"), ({"count": 0}, "count"),
                                               ({"temperature": -1.0}, "temperature")])  # fmt: skip
def test_generation_refuses_bad_requests(kwargs, match):
    args = {"count": 2, "seed": 0, "temperature": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        samples_generate(_model(), **args)


def test_unknown_class_name_is_refused():
    with pytest.raises(ValueError, match="label"):
        samples_generate(_model("conditional"), 1, seed=0, label="spaceship")


def test_interpolation_runs_between_the_two_reconstructions():
    model = _model()
    pair = _images(2)
    steps = interpolation_make(model, pair[0], pair[1], 7)
    assert steps.shape == (7, 28, 28) and steps.dtype == np.uint8
    recon = reconstructions_make(model, pair)
    _same_up_to_batching(steps[[0, -1]], recon)
    mu = latents_encode(model, pair)
    _same_up_to_batching(steps[3], images_decode(model, (mu[0] + mu[1])[None] / 2)[0])
    with pytest.raises(ValueError, match="steps"):
        interpolation_make(model, pair[0], pair[1], 1)


def test_conditional_interpolation_blends_classes():
    model = _model("conditional")
    pair = _images(2, seed=1)
    steps = interpolation_make(model, pair[0], pair[1], 4, label_a="bag", label_b=0)
    recon = reconstructions_make(model, pair, labels=[8, 0])
    _same_up_to_batching(steps[[0, -1]], recon)
    with pytest.raises(ValueError, match="label_a and label_b"):
        interpolation_make(model, pair[0], pair[1], 4)
    with pytest.raises(ValueError, match="label_a and label_b"):
        interpolation_make(model, pair[0], pair[1], 4, label_a="bag")
    with pytest.raises(ValueError, match="not class-conditional"):
        interpolation_make(_model(), pair[0], pair[1], 4, label_b=3)


def test_latent_map_layout():
    model = _model("latent2d")
    big, coords = latent_map_make(model, grid=5, span=2.0)
    assert big.shape == (140, 140) and big.dtype == np.uint8
    assert coords.shape == (5, 5, 2) and coords.dtype == np.float32
    np.testing.assert_allclose(coords[0, 0], [-2.0, 2.0])  # top left: x low, y high
    np.testing.assert_allclose(coords[-1, -1], [2.0, -2.0])
    np.testing.assert_allclose(coords[2, 2], [0.0, 0.0], atol=1e-7)
    tile = images_decode(model, coords[1, 3][None])[0]
    _same_up_to_batching(big[28:56, 84:112], tile)


def test_latent_map_needs_a_2d_model():
    with pytest.raises(ValueError, match="2-D"):
        latent_map_make(_model("conv"))
    with pytest.raises(ValueError, match="grid"):
        latent_map_make(_model("latent2d"), grid=1)


def test_reconstructions_decode_posterior_means():
    model = _model("mlp")
    images = _images(3)
    recon = reconstructions_make(model, images)
    np.testing.assert_array_equal(recon, images_decode(model, latents_encode(model, images)))
    assert recon.shape == (3, 28, 28)
