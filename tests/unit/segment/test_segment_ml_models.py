"""U-Net and SegNet: shapes on odd sizes, a short training's loss going down, save/load, tiled inference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from apps.segment.ml.baselines import baseline_segmenter
from apps.segment.ml.checkpoint import segmenter_load, segmenter_save
from apps.segment.ml.config import SegmenterConfig
from apps.segment.ml.inference import image_channels, image_probabilities, image_segment, images_segment
from apps.segment.ml.models import SegNet, UNet, segmenter_build
from apps.segment.ml.train import class_weights, segmenter_fit

torch.set_num_threads(1)
TINY = {"base": 4, "depth": 2, "crop": 32, "batch": 4, "tile": 32, "seconds": None}


@pytest.mark.parametrize("kind", [UNet, SegNet])
@pytest.mark.parametrize(("size", "scale"), [((37, 53), 1), ((8, 8), 1), ((5, 3), 1), ((64, 31), 2), ((21, 19), 4)])
def test_shapes_on_any_size(kind, size, scale):
    torch.manual_seed(0)
    model = kind(3, 11, base=4, depth=3, scale=scale).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, *size))
    assert out.shape == (2, 11, *size) and torch.isfinite(out).all()


def test_segnet_unpools_at_the_encoder_maxima():
    """The decoder's sparse map before its last convolutions is non-zero only where the encoder's max was."""
    torch.manual_seed(0)
    model = SegNet(1, 2, base=4, depth=1).eval()
    seen = {}
    model.final.register_forward_hook(lambda _m, args, _out: seen.setdefault("x", args[0]))
    with torch.no_grad():
        model(torch.rand(1, 1, 8, 8))
    nonzero = (seen["x"][0] != 0).float()
    # one position (at most) per 2×2 pooling window, per channel
    windows = torch.nn.functional.avg_pool2d(nonzero.unsqueeze(0), 2) * 4
    assert windows.max() <= 1


def synthetic(count: int = 6, size: int = 48, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright blobs on a dark noisy background: label 1 where the blob is."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images, masks = [], []
    for _ in range(count):
        mask = np.zeros((size, size), np.uint8)
        for _ in range(3):
            cy, cx, r = rng.integers(6, size - 6), rng.integers(6, size - 6), rng.integers(3, 8)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 1
        image = np.clip(40 + 150 * mask + rng.normal(0, 20, mask.shape), 0, 255).astype(np.uint8)
        images.append(image)
        masks.append(mask)
    return np.stack(images), np.stack(masks)


@pytest.mark.parametrize("model", ["unet", "segnet"])
def test_short_training_lowers_the_loss(model):
    images, masks = synthetic()
    config = SegmenterConfig(model=model, dataset="isbi-em", epochs=6, steps=5, lr=0.01, **TINY)
    result = segmenter_fit(images, masks, config)
    losses = [entry["loss"] for entry in result.history]
    assert len(losses) == 6 and result.steps == 30
    assert losses[-1] < 0.8 * losses[0]
    assert not result.model.training and result.model.config == config


def test_time_budget_stops_training():
    images, masks = synthetic(2)
    config = SegmenterConfig(dataset="isbi-em", epochs=10_000, steps=5, **{**TINY, "seconds": 1.0})
    result = segmenter_fit(images, masks, config)
    assert result.epochs_run < 10_000 and result.history[-1]["epochs"] <= 10_000


def test_training_refuses_labels_outside_the_classes():
    images, masks = synthetic(2)
    with pytest.raises(ValueError, match="outside"):
        segmenter_fit(images, masks * 2, SegmenterConfig(dataset="isbi-em", epochs=1, steps=1, **TINY))


def test_class_weights_favour_the_rare_class():
    weights = class_weights(np.array([0] * 90 + [1] * 10), 3)
    assert weights[1] > weights[0] > 0 and weights[2] == 0


def test_save_load_gives_identical_outputs(tmp_path):
    torch.manual_seed(0)
    model = segmenter_build(SegmenterConfig(model="segnet", dataset="fashionopolis", base=4, depth=2))
    model.train()
    model(torch.rand(4, 3, 32, 32))  # move BatchNorm's running statistics off their initial values
    model.eval()
    model.metrics = {"miou": 0.5}
    segmenter_save(tmp_path / "m.pt", model)
    loaded = segmenter_load(tmp_path / "m.pt", "cpu")
    assert loaded.config == model.config and loaded.metrics == {"miou": 0.5} and not loaded.training
    x = torch.rand(1, 3, 40, 24)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_tiled_inference_matches_the_whole_image_away_from_tile_borders():
    torch.manual_seed(0)
    config = SegmenterConfig(dataset="fashionopolis", base=4, depth=2, tile=32)
    model = segmenter_build(config).eval()
    image = np.random.default_rng(0).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    whole = image_probabilities(model, image, tile=128)  # one tile: the whole image
    fractions = []
    tiled = image_probabilities(model, image, tile=32, overlap=16, progress=fractions.append)
    assert whole.shape == tiled.shape == (11, 70, 90)
    assert np.allclose(whole.sum(axis=0), 1, atol=1e-5) and np.allclose(tiled.sum(axis=0), 1, atol=1e-5)
    # the receptive field of this net (depth 2) is ~ 2 * (2 + 4 + 8) + 2 = 30 px; pixels far from every
    # tile edge see the same context. Blended in overlaps, the tiled map stays close everywhere.
    assert np.abs(whole - tiled).mean() < 0.02
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)
    labels = image_segment(model, image, tile=32)
    assert labels.shape == (70, 90) and labels.dtype == np.uint8 and labels.max() < 11


def test_images_are_converted_to_the_models_channels():
    grey = np.full((4, 5), 7, np.uint8)
    assert image_channels(grey, 3).shape == (4, 5, 3)
    rgba = np.dstack([np.full((4, 5), v, np.uint8) for v in (10, 20, 30, 255)])
    assert image_channels(rgba, 3).tolist() == rgba[..., :3].tolist()
    assert image_channels(rgba, 1).shape == (4, 5, 1) and int(image_channels(rgba, 1)[0, 0, 0]) == 18
    torch.manual_seed(0)
    model = segmenter_build(SegmenterConfig(dataset="isbi-em", base=4, depth=2, tile=32))
    stack = np.random.default_rng(1).integers(0, 256, (3, 20, 24, 3), dtype=np.uint8)
    batched = images_segment(model, stack)
    assert batched.shape == (3, 20, 24)
    assert np.array_equal(batched[1], image_segment(model, stack[1]))


def test_baselines_on_blobs():
    images, masks = synthetic(4)
    test_images, test_masks = synthetic(2, seed=1)
    constant = baseline_segmenter("constant").fit(images, masks).predict(test_images)
    assert constant.shape == test_masks.shape and (constant == 0).all()
    otsu = baseline_segmenter("otsu").fit(images, masks).predict(test_images)
    assert (otsu == test_masks).mean() > 0.9  # bright blobs: the bright side is class 1
    forest = baseline_segmenter("random_forest", pixels=2000, trees=5).fit(images, masks).predict(test_images)
    assert forest.shape == test_masks.shape and (forest == test_masks).mean() > 0.9
    with pytest.raises(ValueError):
        baseline_segmenter("otsu").fit(images, masks * 2)
    with pytest.raises(ValueError):
        baseline_segmenter("watershed")
