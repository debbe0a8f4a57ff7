"""Masks of missing pixels (True = missing), NumPy and OpenCV only: the web process makes and checks them.

`mask_make` draws the four kinds a visitor can ask for, `mask_from_image` reads a painted mask
PNG, `mask_problem` says why a mask cannot be used. Free-form masks are thick random polylines
like those of Yu et al. (2019) and Liu et al. (2018); their strokes scale with the image, so a
512-pixel photo gets strokes as wide, relative to its size, as a 256-pixel one.
"""

from __future__ import annotations

import math

import numpy as np

from .config import COVERAGE_MAX, MASK_KINDS

DEFAULT_COVERAGE = {"boxes": 0.25, "pixels": 0.5, "freeform": 0.25}


def mask_make(kind: str, height: int, width: int, *, coverage: float | None = None, seed: int = 0) -> np.ndarray:
    """A bool H×W mask, True where pixels are missing; the same arguments always give the same mask.

    "centre": a centred rectangle half the height and width (14×14 on 28×28), or with `coverage`
    the centred square of that area; "boxes": random rectangles until `coverage` (default 0.25)
    is reached; "pixels": each pixel missing with probability `coverage` (default 0.5);
    "freeform": random thick brush strokes up to `coverage` (default 0.25). Coverage must be in
    (0, COVERAGE_MAX]; boxes and strokes land within about 0.02 of it.
    """
    if kind not in MASK_KINDS:
        raise ValueError(f"mask kind must be one of {', '.join(MASK_KINDS)}, not {kind!r}")
    if height < 1 or width < 1:
        raise ValueError(f"image size must be positive, not {height}×{width}")
    if coverage is not None and not (0 < coverage <= COVERAGE_MAX):
        raise ValueError(f"coverage must be in (0, {COVERAGE_MAX}], not {coverage}")
    rng = np.random.default_rng(seed)
    if kind == "centre":
        return centre_mask(height, width, coverage)
    return mask_draw(kind, height, width, DEFAULT_COVERAGE[kind] if coverage is None else coverage, rng)


def centre_mask(height: int, width: int, coverage: float | None = None) -> np.ndarray:
    if coverage is None:
        mh, mw = max(1, height // 2), max(1, width // 2)
    else:
        side = max(1, round(math.sqrt(coverage * height * width)))
        mh, mw = min(side, height), min(side, width)
    mask = np.zeros((height, width), dtype=bool)
    top, left = (height - mh) // 2, (width - mw) // 2
    mask[top : top + mh, left : left + mw] = True
    return mask


def mask_draw(
    kind: str, height: int, width: int, coverage: float, rng: np.random.Generator, scale: float | None = None
) -> np.ndarray:
    """Random "boxes", "pixels" or "freeform" masks for any coverage in (0, 1) (training uses up to 0.8).

    `scale`: the image side the strokes and boxes are sized for (default: the smaller side); training
    passes a photo's size so that a small patch gets the strokes a crop of a whole photo would have.
    """
    if kind == "pixels":
        return rng.random((height, width)) < coverage
    scale = float(scale or min(height, width))
    if kind == "boxes":
        return _boxes(height, width, coverage, rng, scale)
    if kind == "freeform":
        return _strokes(height, width, coverage, rng, scale)
    raise ValueError(f"unknown mask kind {kind!r}")


def _boxes(height: int, width: int, coverage: float, rng: np.random.Generator, scale: float) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    target = coverage * height * width
    for _ in range(200):
        missing = target - np.count_nonzero(mask)
        if missing <= 0.01 * height * width:
            break
        # Sides of 10–40 % of the image, shrunk so that the last box does not overshoot much.
        bh = int(rng.uniform(0.1, 0.4) * scale) + 1
        bw = int(rng.uniform(0.1, 0.4) * scale) + 1
        if bh * bw > missing * 1.2:
            shrink = math.sqrt(missing / (bh * bw))
            bh, bw = max(1, int(bh * shrink)), max(1, int(bw * shrink))
        bh, bw = min(bh, height), min(bw, width)
        top, left = int(rng.integers(0, height - bh + 1)), int(rng.integers(0, width - bw + 1))
        mask[top : top + bh, left : left + bw] = True
    return mask


def _strokes(height: int, width: int, coverage: float, rng: np.random.Generator, scale: float) -> np.ndarray:
    import cv2

    canvas = np.zeros((height, width), dtype=np.uint8)
    target = coverage * height * width
    done = 0
    for _ in range(400):
        # One stroke: 4–12 segments of 5–25 % of the scale, 2–8 % of it wide (Yu et al.'s proportions).
        thick = max(1, int(round(rng.uniform(0.02, 0.08) * scale)))
        y, x = rng.uniform(0, height), rng.uniform(0, width)
        angle = rng.uniform(0, 2 * math.pi)
        for _segment in range(int(rng.integers(4, 13))):
            angle += rng.uniform(-1.2, 1.2)
            length = rng.uniform(0.05, 0.25) * scale
            ny = float(np.clip(y + length * math.sin(angle), 0, height - 1))
            nx = float(np.clip(x + length * math.cos(angle), 0, width - 1))
            cv2.line(canvas, (int(x), int(y)), (int(nx), int(ny)), 1, thick)
            y, x = ny, nx
            done = int(np.count_nonzero(canvas))
            if done >= target:
                break
        if done >= target:
            break
    if done < 1:  # a 1-pixel image or a tiny target: at least one pixel, never an empty mask
        canvas[int(rng.integers(0, height)), int(rng.integers(0, width))] = 1
    return canvas.astype(bool)


def mask_from_image(array: np.ndarray) -> np.ndarray:
    """A decoded mask PNG (H×W, H×W×3 or H×W×4 uint8) → bool H×W, True = missing.

    Missing where the pixel is bright (> 127 in any colour channel) and not transparent (alpha > 0
    when there is an alpha channel): white paint on black, or paint on a transparent layer.
    """
    arr = np.asarray(array)
    if arr.ndim == 2:
        return arr > 127
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"a mask must be H×W or H×W×C with C in 1..4, not shape {arr.shape}")
    colours = arr.shape[2] - 1 if arr.shape[2] in (2, 4) else arr.shape[2]
    bright = (arr[..., :colours] > 127).any(axis=2)
    if arr.shape[2] in (2, 4):
        bright &= arr[..., -1] > 0
    return bright


def mask_problem(mask: np.ndarray, height: int, width: int) -> str | None:
    """Why `mask` cannot be used on an H×W image (a sentence for the visitor), or None when it can."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        return f"the mask must be a 2-D image, not an array of shape {mask.shape}"
    mh, mw = mask.shape
    if (mh, mw) != (height, width):
        return f"the mask is {mw}×{mh} but the image is {width}×{height}"
    missing = int(np.count_nonzero(mask))
    if missing == 0:
        return "the mask is empty: paint the region to fill"
    if missing == mask.size:
        return "the mask covers the whole image: nothing is left to fill from"
    return None


def mask_coverage(mask: np.ndarray) -> float:
    """The share of missing pixels."""
    return float(np.count_nonzero(mask)) / max(1, np.asarray(mask).size)
