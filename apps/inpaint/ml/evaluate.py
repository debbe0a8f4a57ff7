"""The evaluation protocols of the two inpainters, model and baselines on the same images and masks
(torch for the model; used by `train inpainter` and the benchmarks).

Items: the first 1,000 test images with the centre 14×14 mask and with 50 % of the pixels missing
(seed = the image's index). Photos: each image with free-form masks covering 10 %, 25 % and 40 %
(seed = 1000 × coverage percentage + the image's index). Scores are per-image means of
`inpaint_scores` (PSNR, SSIM with the project's Gaussian window, PSNR over the hole), plus for
items "ssim7": scikit-image's default SSIM (7×7 uniform window), the measure the issue's figures use.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from .baselines import baseline_inpaint, baselines_for
from .masks import mask_make
from .metrics import inpaint_scores

ITEM_PROTOCOLS = (("centre", None), ("pixels", 0.5))
PHOTO_COVERAGES = (0.10, 0.25, 0.40)
ITEM_TEST_COUNT = 1000

Progress = Callable[[float], None]


def _ssim7(a: np.ndarray, b: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    return float(structural_similarity(a, b, data_range=255))


def _mean(rows: list[dict], seconds: float) -> dict:
    keys = rows[0].keys()
    out = {key: float(np.mean([row[key] for row in rows])) for key in keys}
    out["ms_per_image"] = 1000.0 * seconds / len(rows)
    return out


def items_model_fill(model, images: np.ndarray, masks: np.ndarray, device: str = "cpu", batch: int = 500) -> np.ndarray:
    """The items model on N×28×28 uint8 images and bool masks, in batches; uint8, known pixels exact."""
    import torch

    out = np.empty_like(images)
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(images[start : start + batch].astype(np.float32) / 255.0).unsqueeze(1).to(device)
            m = torch.from_numpy(masks[start : start + batch].astype(np.float32)).unsqueeze(1).to(device)
            y = model(x, m).squeeze(1).float().cpu().numpy()
            out[start : start + batch] = np.clip(np.rint(y * 255.0), 0, 255).astype(np.uint8)
    out[~masks] = images[~masks]
    return out


def items_evaluate(
    model,
    images: np.ndarray,
    *,
    pca=None,
    device: str = "cpu",
    baselines: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> dict:
    """{"model": {protocol: scores}, "baselines": {name: {protocol: scores}}} on N×28×28 uint8 test images.

    protocol: "centre" (14×14) and "pixels50"; scores: psnr, ssim, ssim7, psnr_masked, ms_per_image.
    `model` None: baselines only.
    """
    names = (
        list(baselines) if baselines is not None else ["mean", *baselines_for(images[0], pca_available=pca is not None)]
    )
    result: dict = {"model": {}, "baselines": {name: {} for name in names}}
    methods = ([None] if model is not None else []) + names
    done = 0
    for kind, coverage in ITEM_PROTOCOLS:
        label = kind if coverage is None else f"{kind}{round(coverage * 100)}"
        masks = np.stack([mask_make(kind, 28, 28, coverage=coverage, seed=i) for i in range(len(images))])
        for method in methods:
            started = time.perf_counter()
            if method is None:
                filled = items_model_fill(model, images, masks, device)
            else:
                filled = np.stack(
                    [baseline_inpaint(method, im, m, pca=pca) for im, m in zip(images, masks, strict=True)]
                )
            seconds = time.perf_counter() - started
            rows = [
                {**inpaint_scores(im, out, m), "ssim7": _ssim7(im, out)}
                for im, out, m in zip(images, filled, masks, strict=True)
            ]
            scores = _mean(rows, seconds)
            if method is None:
                result["model"][label] = scores
            else:
                result["baselines"][method][label] = scores
            done += 1
            if progress is not None:
                progress(done / (len(ITEM_PROTOCOLS) * len(methods)))
    return result


def photo_masks(image: np.ndarray, index: int, coverage: float) -> np.ndarray:
    """The fixed free-form mask of test image `index` at `coverage`."""
    return mask_make(
        "freeform", image.shape[0], image.shape[1], coverage=coverage, seed=int(round(coverage * 100)) * 1000 + index
    )


def photos_evaluate(
    model,
    images: Sequence[np.ndarray],
    *,
    device: str = "cpu",
    baselines: Sequence[str] = ("telea", "navier_stokes", "biharmonic"),
    coverages: Sequence[float] = PHOTO_COVERAGES,
    progress: Progress | None = None,
) -> dict:
    """{"model": {"cov10": scores, ...}, "baselines": {name: {"cov10": ...}}} over uint8 photos (grey or colour)."""
    from .inference import image_inpaint

    result: dict = {"model": {}, "baselines": {name: {} for name in baselines}}
    methods = ([None] if model is not None else []) + list(baselines)
    done = 0
    for coverage in coverages:
        label = f"cov{round(coverage * 100)}"
        masks = [photo_masks(im, i, coverage) for i, im in enumerate(images)]
        for method in methods:
            rows, seconds = [], 0.0
            for image, mask in zip(images, masks, strict=True):
                started = time.perf_counter()
                if method is None:
                    filled = image_inpaint(model, image, mask, device=device)
                else:
                    filled = baseline_inpaint(method, image, mask)
                seconds += time.perf_counter() - started
                rows.append(inpaint_scores(image, filled, mask))
            scores = _mean(rows, seconds)
            (result["model"] if method is None else result["baselines"][method])[label] = scores
            done += 1
            if progress is not None:
                progress(done / (len(coverages) * len(methods)))
    return result
