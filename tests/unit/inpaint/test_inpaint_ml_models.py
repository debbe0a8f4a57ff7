"""The two networks: shapes, known pixels kept, loss going down, save/load, tiling of odd sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from apps.inpaint.ml.checkpoint import inpainter_load, inpainter_save
from apps.inpaint.ml.config import InpainterConfig
from apps.inpaint.ml.inference import image_inpaint
from apps.inpaint.ml.masks import mask_make
from apps.inpaint.ml.models import inpainter_build
from apps.inpaint.ml.train import items_train, photo_train

ITEMS = InpainterConfig(model="items", width=4)
PHOTOS = InpainterConfig(model="gated_unet", width=4, patch=32, batch=2, steps_per_epoch=2)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(("config", "size"), [(ITEMS, 28), (PHOTOS, 40)])
def test_output_shape_and_known_pixels(config, size):
    torch.manual_seed(0)
    model = inpainter_build(config).eval()
    x = torch.rand(2, 1, size, size)
    mask = (torch.rand(2, 1, size, size) < 0.3).float()
    with torch.no_grad():
        y = model(x, mask)
    assert y.shape == x.shape
    assert torch.equal(y[mask == 0], x[mask == 0])
    assert float(y.min()) >= 0 and float(y.max()) <= 1


def test_untrained_photo_model_is_its_initial_fill():
    model = inpainter_build(PHOTOS).eval()
    x = torch.rand(1, 1, 32, 32)
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 8:20, 8:20] = 1
    base = torch.full_like(x, 0.25)
    with torch.no_grad():
        y = model(x, mask, base)
    assert torch.allclose(y[mask == 1], torch.tensor(0.25))


def _fashion_like(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    out = np.zeros((count, 28, 28), dtype=np.uint8)
    for i in range(count):
        cy, cx, r = rng.uniform(9, 19), rng.uniform(9, 19), rng.uniform(5, 9)
        out[i] = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < r * r, 200, 20)
    return out


def test_items_training_loss_goes_down():
    config = InpainterConfig(model="items", width=4, batch=32, epochs=6, seconds=60, lr=5e-3, train_count=64)
    result = items_train(_fashion_like(64), config)
    losses = [entry["loss"] for entry in result.history]
    assert len(losses) == 6 and losses[-1] < losses[0]


def test_photo_training_runs_within_its_steps():
    config = InpainterConfig(model="gated_unet", width=4, patch=32, batch=2, steps_per_epoch=3, epochs=2, seconds=60)
    images = [np.random.default_rng(i).integers(0, 255, (40, 50), dtype=np.uint8) for i in range(3)]
    result = photo_train(images, config)
    assert result.metrics["steps"] == 6 and len(result.history) == 2


@pytest.mark.parametrize("config", [ITEMS, PHOTOS])
def test_save_and_load_give_identical_outputs(tmp_path, config):
    torch.manual_seed(1)
    model = inpainter_build(config).eval()
    path = inpainter_save(tmp_path / "model.pt", model, metrics={"psnr": 1.0})
    again = inpainter_load(path, "cpu")
    assert again.config == config and again.metrics == {"psnr": 1.0} and again.pca is None
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    mask = mask_make("centre", 28, 28)
    assert np.array_equal(image_inpaint(model, image, mask), image_inpaint(again, image, mask))


def test_items_checkpoint_carries_the_pca_basis(tmp_path):
    from apps.inpaint.ml.baselines import pca_fit, pca_load

    pca = pca_fit(_fashion_like(100), components=8)
    path = inpainter_save(tmp_path / "items.pt", inpainter_build(ITEMS), pca=pca, half=True)
    assert np.array_equal(pca_load(path).components, pca.components)
    assert np.array_equal(inpainter_load(path).pca.mean, pca.mean)


@pytest.mark.parametrize(("config", "shape"), [(ITEMS, (45, 61)), (ITEMS, (20, 17, 3)), (PHOTOS, (37, 53, 4))])
def test_tiling_a_size_that_is_no_multiple_of_the_tile(config, shape):
    torch.manual_seed(2)
    model = inpainter_build(config).eval()
    image = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    mask = mask_make("boxes", shape[0], shape[1], coverage=0.3, seed=4)
    seen = []
    out = image_inpaint(model, image, mask, tile=32, overlap=8, progress=seen.append)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[~mask], image[~mask])
    if len(shape) == 3 and shape[2] == 4:
        assert np.array_equal(out[..., 3], image[..., 3])
    assert seen and seen[-1] == 1.0
    assert not np.array_equal(out[mask], image[mask])  # the hole was filled with something


def test_image_inpaint_refuses_what_it_cannot_fill():
    model = inpainter_build(ITEMS)
    with pytest.raises(ValueError):
        image_inpaint(model, np.zeros((28, 28), np.float32), np.zeros((28, 28), bool))
    with pytest.raises(ValueError):
        image_inpaint(model, np.zeros((28, 28), np.uint8), np.zeros((20, 28), bool))
