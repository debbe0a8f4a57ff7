"""Reading photos (denoising, inpainting): PNG/JPEG folders, named data sets, and a labelled fallback.

NumPy and Pillow only, so the web can use the same reader for uploads and samples.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before its pixels are decoded

# scikit-image's sample images stated as public domain or CC0 in its data README.
SAMPLE_NAMES = ("camera", "astronaut", "coffee", "chelsea", "rocket", "brick", "grass", "gravel", "moon")
# A few of them ship with the project (static/core/samples, licences in LICENSE.md there), so
# the fallback and the upload page's samples need no scikit-image at run time.
SAMPLES_DIR = Path(__file__).resolve().parents[3] / "static" / "core" / "samples"


class ImageSkippedWarning(UserWarning):
    """A file in an image folder could not be read and was left out."""


@dataclass
class ImageDataset:
    images: list[np.ndarray]
    names: list[str]
    source: str  # a folder path, or a label saying which fallback was used
    fallback: bool = False
    skipped: list[str] = field(default_factory=list)


def image_read(path: str | Path, *, mode: str | None = None, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """One image as uint8: H×W for grayscale, H×W×3 (H×W×4 with alpha, unless a mode drops it).

    `mode` "L" or "RGB" converts; None keeps grayscale as H×W and colour (palette, CMYK, 16-bit
    too) as RGB or RGBA. Raises ValueError for unreadable, truncated or oversized files.
    """
    path = Path(path)
    try:
        with Image.open(path) as im:
            if im.width * im.height > max_pixels:
                raise ValueError(f"{path.name}: {im.width}×{im.height} is more than {max_pixels:,} pixels")
            im.load()
            return _image_array(im, mode)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"{path.name}: not a readable image ({exc})") from exc


def image_array(im: Image.Image, mode: str | None = None) -> np.ndarray:
    """An opened Pillow image as uint8, with the conventions of image_read (16-bit scaled, CMYK to RGB)."""
    return _image_array(im, mode)


def _image_array(im: Image.Image, mode: str | None) -> np.ndarray:
    if mode is None:
        if im.mode in ("L", "1"):
            mode = "L"
        elif im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
            # 16-bit grayscale PNGs: scale to 8 bits rather than let Pillow clip at 255
            arr = np.asarray(im, dtype=np.float64)
            top = 65535.0 if arr.max() > 255 else 255.0
            return np.clip(np.rint(arr * 255.0 / top), 0, 255).astype(np.uint8)
        elif im.mode in ("LA", "RGBA", "PA") or (im.mode == "P" and "transparency" in im.info):
            mode = "RGBA"
        else:
            mode = "RGB"
    elif mode not in ("L", "RGB", "RGBA"):
        raise ValueError(f"mode must be 'L', 'RGB', 'RGBA' or None, not {mode!r}")
    return np.asarray(im.convert(mode), dtype=np.uint8).copy()


def images_load(
    folder: str | Path,
    *,
    mode: str | None = None,
    strict: bool = False,
    max_pixels: int = MAX_PIXELS,
    skipped: list[str] | None = None,
) -> list[np.ndarray]:
    """Every PNG/JPEG file directly in `folder`, in name order, as uint8 arrays.

    Broken files are left out with an ImageSkippedWarning (their names appended to `skipped`
    when a list is given); `strict=True` raises ValueError on the first one instead.
    Raises FileNotFoundError for a missing folder and ValueError when nothing readable is left.
    """
    return _folder_read(Path(folder), mode=mode, strict=strict, max_pixels=max_pixels, skipped=skipped)[0]


def _folder_read(
    folder: Path, *, mode: str | None, strict: bool, max_pixels: int, skipped: list[str] | None
) -> tuple[list[np.ndarray], list[str]]:
    if not folder.is_dir():
        raise FileNotFoundError(f"no image folder at {folder}")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    images, names = [], []
    for path in paths:
        try:
            images.append(image_read(path, mode=mode, max_pixels=max_pixels))
            names.append(path.name)
        except ValueError as exc:
            if strict:
                raise
            warnings.warn(str(exc), ImageSkippedWarning, stacklevel=3)
            if skipped is not None:
                skipped.append(path.name)
    if not images:
        raise ValueError(f"no readable PNG/JPEG images in {folder}")
    return images, names


def dataset_dir(name: str, extra_dirs: tuple[str | Path, ...] = ()) -> Path | None:
    """Where the image data set `name` lives: $AEWEB_DATA_DIR/<name>, then each extra folder."""
    roots = [os.environ.get("AEWEB_DATA_DIR") or None, *extra_dirs]
    for root in roots:
        if root and (Path(root) / name).is_dir():
            return Path(root) / name
    return None


def dataset_load(name: str, *, mode: str | None = None, extra_dirs: tuple[str | Path, ...] = ()) -> ImageDataset:
    """The named folder (e.g. Train400, Set12) or, when no folder exists, the labelled fallback."""
    folder = dataset_dir(name, extra_dirs)
    if folder is not None:
        skipped: list[str] = []
        images, names = _folder_read(folder, mode=mode, strict=False, max_pixels=MAX_PIXELS, skipped=skipped)
        return ImageDataset(images, names, str(folder), skipped=skipped)
    return samples_load(mode=mode)


def samples_load(
    *, mode: str | None = None, names: tuple[str, ...] = SAMPLE_NAMES, folder: Path | None = SAMPLES_DIR
) -> ImageDataset:
    """scikit-image's public-domain sample images: the copies in `folder` when it holds any of
    `names`, else scikit-image's own; synthetic images when neither is there."""
    if folder is not None and folder.is_dir():
        paths = [folder / f"{name}.png" for name in names if (folder / f"{name}.png").is_file()]
        if paths:
            images = [image_read(path, mode=mode) for path in paths]
            return ImageDataset(images, [p.stem for p in paths], f"fallback: sample images in {folder}", fallback=True)
    try:
        from skimage import data as skdata
    except ImportError:
        images = synthetic_images()
        if mode is not None:
            images = [_image_array(Image.fromarray(im), mode) for im in images]
        return ImageDataset(
            images,
            [f"synthetic-{i}" for i in range(len(images))],
            "fallback: synthetic images (scikit-image not installed)",
            fallback=True,
        )
    images, kept = [], []
    for sample in names:
        try:
            arr = np.asarray(getattr(skdata, sample)())
        except Exception:  # a sample needing a download is simply left out offline
            continue
        images.append(_image_array(Image.fromarray(arr), mode))
        kept.append(sample)
    return ImageDataset(images, kept, "fallback: scikit-image sample images", fallback=True)


def synthetic_images(count: int = 4, size: int = 192, seed: int = 0) -> list[np.ndarray]:
    """Piecewise-smooth grayscale test images (discs, ramps, stripes): the last-resort fallback."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    out = []
    for _ in range(count):
        img = 60 + 120 * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1)) / (2 * size) + 60
        for _ in range(6):
            cy, cx, r = rng.uniform(0, size, 2).tolist() + [rng.uniform(size / 12, size / 4)]
            img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.uniform(20, 235)
        band = (yy > size * 0.7) & (yy < size * 0.85)
        img[band] += 40 * np.sign(np.sin(xx[band] / rng.uniform(2, 6)))
        out.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
    return out
