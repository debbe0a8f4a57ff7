"""The methods a learned inpainter is measured against (NumPy, OpenCV, scikit-image): workers and benchmarks.

- "telea", "navier_stokes": OpenCV's `inpaint` (Telea 2004; Bertalmío et al. 2001), radius 3.
- "biharmonic": scikit-image's `inpaint_biharmonic` (smooth fill solving the biharmonic equation).
- "pca64": for 28×28 grey items, the PCA basis (64 components, fitted on the training set) whose
  coefficients are solved by least squares from the known pixels alone; the image is the basis
  reconstruction inside the hole.
- "mean": every missing pixel set to the mean of the known ones (the floor; not in INPAINT_BASELINES).

Every baseline returns uint8 of the input's shape with the known pixels untouched and alpha passed through.
The PCA basis travels with the items model: `pca_save` writes an .npz (the training job's `pca`
artifact) and the items checkpoint holds the same arrays, so `pca_load` takes either file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import INPAINT_BASELINES, ITEM_SIZE

EXTRA_BASELINES = ("mean",)
OPENCV_RADIUS = 3


@dataclass(frozen=True)
class PcaBasis:
    mean: np.ndarray  # D, float32 in [0, 1]
    components: np.ndarray  # k×D, orthonormal rows
    shape: tuple[int, int] = (ITEM_SIZE, ITEM_SIZE)


def pca_fit(images: np.ndarray, components: int = 64) -> PcaBasis:
    """The PCA basis of N×28×28 uint8 images (exact eigen-decomposition of the covariance)."""
    flat = np.asarray(images).reshape(len(images), -1).astype(np.float64) / 255.0
    mean = flat.mean(axis=0)
    centred = flat - mean
    cov = centred.T @ centred / max(1, len(flat) - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:components]
    shape = tuple(np.asarray(images).shape[1:3])
    return PcaBasis(mean.astype(np.float32), vectors[:, order].T.astype(np.float32).copy(), shape)


def pca_arrays(pca: PcaBasis) -> dict[str, np.ndarray]:
    return {"pca_mean": pca.mean, "pca_components": pca.components, "pca_shape": np.array(pca.shape)}


def pca_from_arrays(arrays) -> PcaBasis:
    return PcaBasis(
        np.asarray(arrays["pca_mean"], dtype=np.float32),
        np.asarray(arrays["pca_components"], dtype=np.float32),
        tuple(int(v) for v in np.asarray(arrays["pca_shape"])),
    )


def pca_save(path: str | Path, pca: PcaBasis) -> Path:
    from apps.core.ml.files import atomic_write, npz_write

    return atomic_write(path, lambda tmp: npz_write(tmp, pca_arrays(pca)))


def pca_load(path: str | Path) -> PcaBasis:
    """The basis from a pca.npz, or from an items checkpoint (.pt) that carries it."""
    path = Path(path)
    with open(path, "rb") as handle:
        zipped = handle.read(2) == b"PK"
    if zipped:
        try:
            with np.load(path) as data:
                return pca_from_arrays(data)
        except (KeyError, ValueError):
            pass  # a torch checkpoint is a zip file too
    import torch

    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or "pca_mean" not in payload:
        raise ValueError(f"{path}: holds no PCA basis")
    return pca_from_arrays({key: np.asarray(payload[key]) for key in ("pca_mean", "pca_components", "pca_shape")})


def pca_fill(pca: PcaBasis, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Least-squares PCA coefficients from the known pixels of a 28×28 grey image; float 0..1 reconstruction."""
    x = np.asarray(image, dtype=np.float64).reshape(-1) / 255.0
    known = ~np.asarray(mask, dtype=bool).reshape(-1)
    basis = pca.components.astype(np.float64)
    mean = pca.mean.astype(np.float64)
    coef, *_ = np.linalg.lstsq(basis[:, known].T, x[known] - mean[known], rcond=None)
    return np.clip(mean + coef @ basis, 0.0, 1.0).reshape(pca.shape)


def baselines_for(image: np.ndarray, *, pca_available: bool) -> tuple[str, ...]:
    """The baselines that apply to this image: PCA-64 only for 28×28 grey ones when a basis is at hand."""
    arr = np.asarray(image)
    grey_item = arr.shape[:2] == (ITEM_SIZE, ITEM_SIZE) and (arr.ndim == 2 or arr.shape[2] in (1, 2))
    return tuple(name for name in INPAINT_BASELINES if name != "pca64" or (pca_available and grey_item))


def baseline_inpaint(name: str, image: np.ndarray, mask: np.ndarray, *, pca: PcaBasis | None = None) -> np.ndarray:
    """`image` (uint8 H×W or H×W×C, C in 1..4, alpha last of 2 or 4) with the pixels under `mask` filled by `name`."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"baselines take uint8 images, not {arr.dtype}")
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != arr.shape[:2]:
        raise ValueError(f"the mask is {mask.shape} but the image is {arr.shape[:2]}")
    squeeze = arr.ndim == 2
    x = arr[..., None] if squeeze else arr
    colours = x.shape[2] - 1 if x.shape[2] in (2, 4) else x.shape[2]
    planes = np.ascontiguousarray(x[..., :colours])
    filled = _fill(name, planes, mask, pca)
    out = x.copy()
    out[..., :colours][mask] = filled[mask]
    return out[..., 0] if squeeze else out


def _fill(name: str, planes: np.ndarray, mask: np.ndarray, pca: PcaBasis | None) -> np.ndarray:
    """H×W×C uint8 filled everywhere the mask says (known pixels may differ: the caller keeps the originals)."""
    if not mask.any():
        return planes
    if mask.all():
        return np.full_like(planes, 128)  # nothing to fill from
    if name in ("telea", "navier_stokes"):
        import cv2

        flag = cv2.INPAINT_TELEA if name == "telea" else cv2.INPAINT_NS
        m8 = mask.astype(np.uint8)
        if planes.shape[2] in (1, 3):
            out = cv2.inpaint(planes, m8, OPENCV_RADIUS, flag)
            return out.reshape(planes.shape)
        return np.stack(
            [cv2.inpaint(planes[..., c].copy(), m8, OPENCV_RADIUS, flag) for c in range(planes.shape[2])], 2
        )
    if name == "biharmonic":
        from skimage.restoration import inpaint_biharmonic

        out = inpaint_biharmonic(planes.astype(np.float64) / 255.0, mask, channel_axis=-1)
        return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
    if name == "mean":
        return np.broadcast_to(np.rint(planes[~mask].mean(axis=0)).astype(np.uint8), planes.shape).copy()
    if name == "pca64":
        if pca is None:
            raise ValueError("the pca64 baseline needs the PCA basis of the items model (pca_load)")
        if planes.shape != (*pca.shape, 1):
            raise ValueError(f"the pca64 baseline fills {pca.shape[0]}×{pca.shape[1]} grey images only")
        out = pca_fill(pca, planes[..., 0], mask)
        return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)[..., None]
    raise ValueError(f"unknown baseline {name!r} (known: {', '.join(INPAINT_BASELINES + EXTRA_BASELINES)})")


def base_fill(kind: str, planes: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """The photo model's initial fill of K×H×W uint8 planes (one mask) as float32 in [0, 1]; None for
    "pushpull", which the net computes itself."""
    if kind == "pushpull":
        return None
    import cv2

    flag = cv2.INPAINT_TELEA if kind == "telea" else cv2.INPAINT_NS
    m8 = np.ascontiguousarray(mask, dtype=np.uint8)
    out = np.empty(planes.shape, dtype=np.float32)
    for k, plane in enumerate(planes):
        out[k] = cv2.inpaint(np.ascontiguousarray(plane), m8, OPENCV_RADIUS, flag)
    return out / np.float32(255.0)
