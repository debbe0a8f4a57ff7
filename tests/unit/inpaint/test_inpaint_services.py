"""The inpaint app's web-side reads and helpers: sample lookup, which model fills which image, the worker's
masked view, and the request service's refusals that happen before anything is looked up."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from apps.core.errors import InvalidInput
from apps.inpaint import samples, selectors, services
from apps.inpaint.worker import masked_view


def test_sample_names():
    assert len(samples.ITEMS) == 30 and len(set(samples.ITEM_INDICES)) == 30
    assert samples.ITEMS[0] == "item-19" and "camera" in samples.SAMPLE_NAMES
    assert samples.sample_is_item("item-19") and not samples.sample_is_item("camera")
    with pytest.raises(KeyError):
        samples.sample_bytes("item-99999")
    with pytest.raises(KeyError):
        samples.sample_bytes("lena")
    data, name = samples.sample_bytes("chelsea")
    assert name == "chelsea.png" and data.startswith(b"\x89PNG")


def test_item_samples_come_from_the_test_set(settings, data_dir):
    if not (data_dir / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    from apps.core.ml.image_datasets import dataset_load

    settings.AEWEB_DATA_DIR = str(data_dir)
    samples._items.cache_clear()
    images, labels = dataset_load("fashion-mnist", "test", data_dir=data_dir, download=False)
    data, _ = samples.sample_bytes("item-19")
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), images[19])
    # the first three of each class, in class order
    assert [int(labels[i]) for i in samples.ITEM_INDICES] == [c for c in range(10) for _ in range(3)]
    assert "T-shirt/top" in samples.item_title("item-19")


def test_items_are_unavailable_without_the_data(monkeypatch):
    from apps.core.ml import image_datasets

    def missing(*args, **kwargs):
        assert kwargs.get("download") is False  # the web process never downloads a data set
        raise image_datasets.DatasetNotFoundError("Fashion-MNIST test files not found")

    monkeypatch.setattr(image_datasets, "dataset_load", missing)
    samples._items.cache_clear()
    try:
        assert not samples.items_available()
        with pytest.raises(samples.SampleUnavailable):
            samples.sample_bytes("item-19")
        shown = samples.samples_for_page()  # the page offers the photos alone
        assert [s["name"] for s in shown] == ["camera", "astronaut", "coffee", "chelsea"]
        assert {s["kind"] for s in shown} == {"photo"}
    finally:
        samples._items.cache_clear()


@pytest.mark.parametrize(
    "size, mode, dataset",
    [((28, 28), "L", "fashion-mnist"), ((28, 28), "I;16", "fashion-mnist"), ((28, 28), "RGB", "train400"),
     ((28, 28), "LA", "train400"), ((29, 28), "L", "train400"), ((512, 512), "L", "train400")],
)  # fmt: skip
def test_which_model_fills_which_image(size, mode, dataset):
    assert selectors.inpainter_dataset(width=size[0], height=size[1], mode=mode) == dataset


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({}, "image"),
        ({"data": b"x", "sample": "camera", "mask_kind": "centre"}, "image"),
        ({"sample": "camera"}, "mask"),
        ({"sample": "camera", "mask_kind": "centre", "mask_data": b"x"}, "mask"),
        ({"sample": "camera", "mask_kind": "circle"}, "mask"),
        ({"sample": "camera", "mask_kind": "centre", "coverage": 0.75}, "coverage"),
        ({"sample": "camera", "mask_kind": "centre", "seed": -3}, "seed"),
        ({"sample": "lena", "mask_kind": "centre"}, "sample"),
    ],
)
def test_refusals_before_anything_is_read(kwargs, field):
    with pytest.raises(InvalidInput) as err:
        services.inpaint_request_create(**kwargs)
    assert list(err.value.errors) == [field]


def test_masked_view_shows_the_hole_and_keeps_the_rest():
    image = np.full((20, 30, 4), 10, np.uint8)
    image[..., 3] = 0  # fully transparent
    mask = np.zeros((20, 30), bool)
    mask[5:10, 5:15] = True
    out = masked_view(image, mask)
    assert np.array_equal(out[~mask], image[~mask])
    assert set(np.unique(out[mask][:, :3])) == {104, 152} and (out[mask][:, 3] == 255).all()
    grey = masked_view(np.zeros((28, 28), np.uint8), np.eye(28, dtype=bool))
    assert grey.shape == (28, 28) and set(np.unique(grey[np.eye(28, dtype=bool)])) <= {104, 152}
