"""The web side's mask checks (apps.inpaint.params): a mask PNG decoded and refused for the right reason, drawn
masks checked like painted ones, coverage limits, the stored and the editor's PNG forms."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from apps.core.errors import InvalidInput
from apps.inpaint import params

LIMITS = {"max_bytes": 1_000_000, "max_pixels": 1_000_000}


def png(array: np.ndarray, **options) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG", **options)
    return out.getvalue()


def read(data: bytes, height: int = 20, width: int = 30) -> np.ndarray:
    return params.mask_png_read(data, height=height, width=width, **LIMITS)


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(InvalidInput) as err:
        read(data, **kwargs)
    assert list(err.value.errors) == ["mask"]
    return err.value.message


def test_a_grey_mask_is_white_where_to_fill():
    arr = np.zeros((20, 30), np.uint8)
    arr[5:10, 3:9] = 255
    arr[0, 0] = 127  # not bright enough: kept
    mask = read(png(arr))
    assert mask.dtype == bool and mask.shape == (20, 30) and mask.sum() == 30 and mask[5, 3] and not mask[0, 0]


def test_colour_and_transparency_rules():
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[:, :10] = (255, 255, 255, 255)  # opaque white: fill
    rgba[:, 10:20] = (255, 255, 255, 0)  # transparent white: keep
    rgba[:, 20:25] = (200, 0, 0, 255)  # bright in one channel: fill
    assert read(png(rgba)).sum() == 20 * 15
    palette = Image.fromarray(np.where(np.arange(30)[None, :].repeat(20, 0) < 6, 255, 0).astype(np.uint8)).convert("P")
    out = io.BytesIO()
    palette.save(out, format="PNG")
    assert read(out.getvalue()).sum() == 20 * 6
    one_bit = Image.fromarray(np.eye(20, 30, dtype=bool))
    out = io.BytesIO()
    one_bit.save(out, format="PNG")
    assert read(out.getvalue()).sum() == 20


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda: b"", "empty"),
        (lambda: b"GIF89a" + b"\0" * 40, "PNG"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 10, "readable"),
        (lambda: png(np.zeros((20, 31), np.uint8)), "31×20 but the image is 30×20"),
        (lambda: png(np.zeros((20, 30), np.uint8)), "empty"),
        (lambda: png(np.full((20, 30), 255, np.uint8)), "whole image"),
    ],
)
def test_refusals_name_the_mask(make, word):
    assert word in refusal(make())


def test_damaged_pixel_data_and_limits():
    rng = np.random.default_rng(0)
    noisy = png((rng.random((200, 300)) > 0.5).astype(np.uint8) * 255)
    assert "truncated or damaged" in refusal(noisy[: len(noisy) // 2], height=200, width=300)
    with pytest.raises(InvalidInput, match="limit"):
        params.mask_png_read(noisy, height=200, width=300, max_bytes=100, max_pixels=10**6)
    with pytest.raises(InvalidInput, match="more pixels"):
        params.mask_png_read(noisy, height=200, width=300, max_bytes=10**6, max_pixels=1000)


def test_drawn_masks_are_checked_and_seeded():
    a = params.mask_generate(kind="boxes", height=40, width=50, coverage=0.3, seed=5)
    b = params.mask_generate(kind="boxes", height=40, width=50, coverage=0.3, seed=5)
    assert a.shape == (40, 50) and np.array_equal(a, b) and 0 < a.mean() < 1
    centre = params.mask_generate(kind="centre", height=28, width=28, coverage=None, seed=0)
    assert centre.sum() == 14 * 14
    with pytest.raises(InvalidInput) as err:
        params.mask_generate(kind="circle", height=28, width=28, coverage=None, seed=0)
    assert list(err.value.errors) == ["mask"]


@pytest.mark.parametrize("value", [0, -0.1, 0.61, 1, float("nan"), float("inf"), "0.2", True])
def test_coverage_out_of_range_is_refused(value):
    with pytest.raises(InvalidInput) as err:
        params.coverage_check(value)
    assert list(err.value.errors) == ["coverage"]


def test_coverage_in_range():
    assert params.coverage_check(None) is None and params.coverage_check(0.6) == 0.6 and params.coverage_check(1e-3)


def test_stored_and_editor_forms_round_trip():
    mask = np.zeros((20, 30), bool)
    mask[2:6, 4:9] = True
    stored = np.asarray(Image.open(io.BytesIO(params.mask_png(mask))))
    assert stored.dtype == np.uint8 and np.array_equal(stored > 127, mask) and set(np.unique(stored)) == {0, 255}
    overlay = Image.open(io.BytesIO(params.mask_overlay_png(mask)))
    assert overlay.mode == "LA" and np.array_equal(np.asarray(overlay)[..., 1] > 0, mask)
    assert np.array_equal(read(params.mask_overlay_png(mask)), mask)  # the editor's form is a valid mask PNG too
