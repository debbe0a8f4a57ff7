"""What the web process answers from a version's NumPy arrays: its map, decoding a point, encoding an image.

Never torch: the trainer exported a serving file (`ml.serving.RepresentationServing`, NumPy only) and
an embedding of the test images (npz); each is loaded once per process and version through core's
model cache (checked against its sha256 on first use), so a request costs NumPy only.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from apps.core.errors import Conflict, InvalidInput, ServiceUnavailable
from apps.core.item_uploads import image_upload_read
from apps.core.loading import loaded_get, model_loaded
from apps.core.ml.image_datasets import DatasetNotFoundError, dataset_load
from apps.core.models import ModelVersion
from apps.representations.selectors import version_abilities, version_code
from apps.representations.slots import MAP_CODE, NO_DECODER, NO_ENCODER, slot_title, why_no_decoder, why_no_encoder

if TYPE_CHECKING:
    from apps.representations.ml.serving import RepresentationServing

SIDE = 28


class NoDecoder(Conflict):
    code = "no_decoder"


class NoEncoder(Conflict):
    code = "no_encoder"


class NoMap(Conflict):
    code = "no_map"


# --- loading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Embedding:
    """A version's 2-D map of the test images: positions, labels, indices into the test set."""

    points: np.ndarray  # N×2 float32
    labels: np.ndarray  # N
    indices: np.ndarray  # N, into the data set's test split
    rows: list[dict] = field(repr=False)  # {"index", "x", "y", "label"} in order, built once

    @property
    def low(self) -> list[float]:
        return [float(v) for v in self.points.min(axis=0)] if len(self.points) else [0.0, 0.0]

    @property
    def high(self) -> list[float]:
        return [float(v) for v in self.points.max(axis=0)] if len(self.points) else [0.0, 0.0]


def embedding_load(path: Path) -> Embedding:
    with np.load(path, allow_pickle=False) as data:
        points = np.asarray(data["points"], dtype=np.float32)
        labels = np.asarray(data["labels"]).astype(np.int64)
        indices = np.asarray(data["indices"]).astype(np.int64) if "indices" in data else np.arange(len(points))
    if points.ndim != 2 or points.shape[1] != 2 or len(labels) != len(points) or len(indices) != len(points):
        raise ValueError(f"{path}: an embedding needs N×2 points with N labels and indices, got {points.shape}")
    rows = [
        {"index": int(i), "x": float(x), "y": float(y), "label": int(c)}
        for i, (x, y), c in zip(indices.tolist(), points.tolist(), labels.tolist(), strict=True)
    ]
    return Embedding(points=points, labels=labels, indices=indices, rows=rows)


def _artifact_loaded(version: ModelVersion, load, *, artifact: str, purpose: str):
    try:
        return model_loaded(version, load, artifact=artifact, purpose=purpose)
    except (OSError, ValueError) as exc:
        raise ServiceUnavailable(f"The {artifact} file of model version {version.id} cannot be read: {exc}") from None


def embedding_get(version: ModelVersion) -> Embedding:
    if not version_abilities(version)["map"]:
        code = version_code(version)
        raise NoMap(
            f"{version} has no 2-D map"
            + (f" (its code has {code} dimensions)" if code and code != MAP_CODE else "")
            + f": train one with `manage.py train representation --model {version.slot} --set code=2`."
        )
    return _artifact_loaded(version, embedding_load, artifact="embedding", purpose="embedding")


def serving_get(version: ModelVersion) -> RepresentationServing | None:
    """The version's serving arrays, or None when it has none (t-SNE, UMAP)."""
    if "serving" not in (version.artifacts or {}):
        return None
    from apps.representations.ml.serving import RepresentationServing

    return _artifact_loaded(version, RepresentationServing.load, artifact="serving", purpose="serving")


def test_images(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 N×28×28, labels) of the data set's test split, read once per process; nothing is
    downloaded from a request (ServiceUnavailable when the files are not on this machine)."""
    try:
        return loaded_get(
            ("representations-test-images", dataset), lambda: dataset_load(dataset, "test", download=False)
        )
    except DatasetNotFoundError as exc:
        raise ServiceUnavailable(str(exc)) from None


# --- images ----------------------------------------------------------------------------------------


def png_bytes(pixels: np.ndarray) -> bytes:
    """Grey-level PNG of H×W uint8 pixels (same pixels, same bytes)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def png_data_url(pixels: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels)).decode("ascii")


def image_grid(images: np.ndarray, *, columns: int, gap: int = 1) -> np.ndarray:
    """N×h×w uint8 tiles in one image, `columns` wide, with `gap` black pixels between them."""
    count, h, w = images.shape
    rows = max(1, -(-count // columns))
    grid = np.zeros((rows * (h + gap) - gap, columns * (w + gap) - gap), dtype=np.uint8)
    for i, tile in enumerate(images):
        r, c = divmod(i, columns)
        grid[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = tile
    return grid


def _as_uint8_images(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype == np.uint8:
        return array.reshape(-1, SIDE, SIDE)
    array = array.astype(np.float64).reshape(len(array), -1)
    low, high = array.min(axis=1, keepdims=True), array.max(axis=1, keepdims=True)
    scaled = (array - low) / np.where(high > low, high - low, 1.0)
    side = int(round(array.shape[1] ** 0.5))
    return (scaled * 255).round().astype(np.uint8).reshape(-1, side, side)


# --- decode and encode -----------------------------------------------------------------------------


def _code_range(serving: RepresentationServing) -> tuple[list[float], list[float]] | None:
    """The box of the test images' codes (per dimension), or None when the file has none (a GAN)."""
    if serving.code_low is None or serving.code_high is None:
        return None
    return [float(v) for v in serving.code_low], [float(v) for v in serving.code_high]


@dataclass(frozen=True)
class Decoded:
    pixels: np.ndarray  # 28×28 uint8
    point: list[float]
    extrapolated: bool
    range: tuple[list[float], list[float]] | None


def point_decode(*, version: ModelVersion, point: list[float]) -> Decoded:
    """The image a 2-D point of the version's map decodes to; flagged `extrapolated` when the point lies
    outside the box of the test images' codes (the decoder never saw codes there)."""
    serving = serving_get(version) if version.slot not in NO_DECODER else None
    if serving is None:
        raise NoDecoder(f"{slot_title(version.slot)} v{version.version}: {why_no_decoder(version.slot)}")
    if serving.code_size != MAP_CODE:
        raise NoDecoder(
            f"{slot_title(version.slot)} v{version.version} has a {serving.code_size}-D code, so it has no 2-D "
            f"decoder: decode points of a code-2 version (`manage.py train representation --model {version.slot} "
            "--set code=2`)."
        )
    code = np.asarray(point, dtype=np.float32).reshape(1, MAP_CODE)
    pixels = np.asarray(serving.decode(code))[0]
    return Decoded(
        pixels=pixels.astype(np.uint8),
        point=[float(v) for v in point],
        extrapolated=bool(serving.extrapolated(code)[0]),
        range=_code_range(serving),
    )


@dataclass(frozen=True)
class Encoded:
    code: list[float]
    position: dict[str, float] | None  # in the version's map, when the code is 2-D
    extrapolated: bool
    notes: list[str]
    pixels: np.ndarray  # what was encoded: 28×28 uint8
    reconstruction: np.ndarray | None  # decoded back, when the version has a decoder


def image_encode(*, version: ModelVersion, data: bytes, invert: str, max_bytes: int, max_pixels: int) -> Encoded:
    """An uploaded image's code (and its place in the version's map when the code is 2-D). Nothing is stored."""
    if version.slot in NO_ENCODER:
        raise NoEncoder(f"{slot_title(version.slot)} v{version.version}: {why_no_encoder(version.slot)}")
    serving = serving_get(version)
    if serving is None or not serving.has_encoder:
        raise NoEncoder(f"{slot_title(version.slot)} v{version.version}: {why_no_encoder(version.slot)}")
    upload = image_upload_read(data=data, invert=invert, max_bytes=max_bytes, max_pixels=max_pixels)
    code = np.asarray(serving.encode(upload.pixels.reshape(1, SIDE, SIDE)), dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(code)):
        raise InvalidInput("image", "the model gave no finite code for this image")
    reconstruction = np.asarray(serving.decode(code.reshape(1, -1).astype(np.float32)))[0].astype(np.uint8)
    notes = list(upload.notes)
    position = None
    if serving.code_size == MAP_CODE:
        position = {"x": float(code[0]), "y": float(code[1])}
    else:
        notes.append(f"this version's code has {serving.code_size} dimensions, so it has no 2-D map to place it in")
    return Encoded(
        code=[float(v) for v in code],
        position=position,
        extrapolated=bool(serving.extrapolated(code.reshape(1, -1))[0]),
        notes=notes,
        pixels=upload.pixels,
        reconstruction=reconstruction,
    )


# --- the compare and GAN pages ----------------------------------------------------------------------


def reconstruction_rows(*, dataset: str, versions: list[ModelVersion], count: int = 10) -> dict:
    """The same test images (the first of each class) through every version with an encoder and a decoder.

    {"originals": [data URL], "labels": [class index], "rows": [{"version", "title", "code", "images"}]}."""
    images, labels = test_images(dataset)
    picks = [int(np.flatnonzero(labels == c)[0]) for c in range(int(labels.max()) + 1) if np.any(labels == c)]
    picks = picks[:count]
    batch = images[picks]
    rows = []
    for version in versions:
        serving = serving_get(version) if version_abilities(version)["encode"] else None
        if serving is None or not serving.has_encoder:
            continue
        decoded = np.asarray(serving.decode(np.asarray(serving.encode(batch), dtype=np.float32)))
        rows.append(
            {
                "version": version.id,
                "title": f"{slot_title(version.slot)} v{version.version}",
                "code": version_code(version),
                "images": [png_data_url(im.astype(np.uint8)) for im in decoded],
            }
        )
    return {
        "originals": [png_data_url(im) for im in batch],
        "labels": [int(labels[i]) for i in picks],
        "rows": rows,
    }


def samples_get(version: ModelVersion) -> dict[str, np.ndarray]:
    """The arrays of a version's "samples" artifact (VAE/GAN samples, the sparse AE's filters), or {}."""
    if "samples" not in (version.artifacts or {}):
        return {}

    def load(path: Path) -> dict[str, np.ndarray]:
        with np.load(path, allow_pickle=False) as data:
            return {key: np.asarray(data[key]) for key in data.files}

    return _artifact_loaded(version, load, artifact="samples", purpose="samples")


def samples_grid_url(version: ModelVersion, key: str = "samples", *, columns: int = 8) -> str | None:
    """The version's samples (or another image array of its samples file) as one grid PNG data URL."""
    array = samples_get(version).get(key)
    if array is None or array.size == 0:
        return None
    return png_data_url(image_grid(_as_uint8_images(array), columns=columns))


def activation_histogram(version: ModelVersion) -> dict | None:
    """How the sparse code units' mean activations spread (from its samples file), for a bar chart:
    {"labels", "counts", "title", "x", "y"}; None when the file holds none."""
    arrays = samples_get(version)
    counts, edges = arrays.get("activation_counts"), arrays.get("activation_edges")
    if counts is None or edges is None:
        values = arrays.get("activations")
        if values is None or values.size == 0:
            return None
        counts, edges = np.histogram(np.asarray(values, dtype=np.float64).reshape(-1), bins=20, range=(0.0, 1.0))
    counts = np.asarray(counts).reshape(-1)
    edges = np.asarray(edges, dtype=np.float64).reshape(-1)
    if len(edges) != len(counts) + 1:
        return None
    return {
        "labels": [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)],
        "counts": [int(c) if float(c).is_integer() else float(c) for c in counts],
        "title": "code units",
        "x": "mean activation over the test images",
        "y": "code units",
    }
