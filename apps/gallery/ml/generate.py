"""Images from a trained VAE: samples, interpolations, the 2-D latent map, reconstructions.

Everything returns uint8 arrays (PNG encoding is the web side's job). Noise comes from a CPU
generator seeded by the caller, so the same seed, settings and weights give the same images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from apps.core.ml.image_datasets import label_parse
from apps.core.ml.vae.models import VaeModel
from apps.core.ml.vae.train import images_check, images_to_tensor

from .images import images_tile, probabilities_to_uint8

DECODE_BATCH = 256


def _model_device(model: VaeModel) -> torch.device:
    return next(model.parameters()).device


def _labels_resolve(model: VaeModel, label: int | str | Sequence[int | str] | None, count: int) -> torch.Tensor | None:
    if not model.conditional:
        if label is not None:
            raise ValueError("label: this model is not class-conditional")
        return None
    if label is None:
        return None
    if hasattr(label, "tolist"):  # NumPy arrays and tensors of class indices
        label = label.tolist()
    names = [label] * count if isinstance(label, int | str | np.integer) else list(label)
    if len(names) != count:
        raise ValueError(f"label: {len(names)} labels for {count} images")
    return torch.tensor([label_parse(model.config.dataset, n) for n in names], dtype=torch.long)


def logits_to_uint8(logits: torch.Tensor) -> np.ndarray:
    """Decoder logits N×1×H×W → the Bernoulli means as uint8 N×H×W."""
    return probabilities_to_uint8(torch.sigmoid(logits.float()).squeeze(1).cpu().numpy())


@torch.inference_mode()
def _decode(model: VaeModel, latents: np.ndarray, labels: torch.Tensor | None) -> np.ndarray:
    model.eval()
    device = _model_device(model)
    z = torch.as_tensor(np.asarray(latents, dtype=np.float32)).reshape(-1, model.latent_dim)
    out = []
    for start in range(0, z.shape[0], DECODE_BATCH):
        y = None if labels is None else labels[start : start + DECODE_BATCH].to(device)
        out.append(logits_to_uint8(model.decode(z[start : start + DECODE_BATCH].to(device), y)))
    return np.concatenate(out) if out else np.zeros((0, model.image_size, model.image_size), np.uint8)


def images_decode(
    model: VaeModel, latents: np.ndarray, label: int | str | Sequence[int | str] | None = None
) -> np.ndarray:
    """Decode N×d latents (e.g. those stored with a gallery image) to uint8 N×H×W."""
    latents = np.asarray(latents, dtype=np.float32).reshape(-1, model.latent_dim)
    labels = _labels_resolve(model, label, latents.shape[0])
    if model.conditional and labels is None:
        raise ValueError("label: a conditional model needs the class to decode")
    return _decode(model, latents, labels)


def samples_generate(
    model: VaeModel,
    count: int,
    seed: int,
    temperature: float = 1.0,
    label: int | str | Sequence[int | str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 N×H×W, latents float32 N×d): z ~ N(0, temperature² I) decoded to Bernoulli means.

    `label` (conditional models only) is a class index or name ("sneakers", "7") or one per
    image; left out, a conditional model draws classes uniformly from the same seed.
    """
    images, latents, _labels = samples_generate_labelled(model, count, seed, temperature, label)
    return images, latents


def samples_generate_labelled(
    model: VaeModel,
    count: int,
    seed: int,
    temperature: float = 1.0,
    label: int | str | Sequence[int | str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """samples_generate, plus the class index of every image (None for an unconditional model)."""
    if count < 1:
        raise ValueError("count: must be at least 1")
    if not temperature >= 0:
        raise ValueError("temperature: must be zero or positive")
    generator = torch.Generator().manual_seed(int(seed))
    labels = _labels_resolve(model, label, count)
    latents = torch.randn((count, model.latent_dim), generator=generator) * float(temperature)
    if model.conditional and labels is None:
        labels = torch.randint(0, model.num_classes, (count,), generator=generator)
    latents_np = latents.numpy().astype(np.float32)
    classes = None if labels is None else labels.numpy().astype(np.int64)
    return _decode(model, latents_np, labels), latents_np, classes


@torch.inference_mode()
def latents_encode(model: VaeModel, images: np.ndarray, labels: torch.Tensor | None = None) -> np.ndarray:
    """Posterior means (float32 N×d) of uint8 N×H×W images."""
    images_check(images)
    model.eval()
    device = _model_device(model)
    out = []
    for start in range(0, images.shape[0], DECODE_BATCH):
        y = None if labels is None else labels[start : start + DECODE_BATCH].to(device)
        mu, _ = model.encode(images_to_tensor(images[start : start + DECODE_BATCH], device), y)
        out.append(mu.float().cpu().numpy())
    return np.concatenate(out).astype(np.float32)


def interpolation_make(
    model: VaeModel,
    image_a: np.ndarray,
    image_b: np.ndarray,
    steps: int,
    *,
    label_a: int | str | None = None,
    label_b: int | str | None = None,
) -> np.ndarray:
    """`steps` images (uint8 steps×H×W) on the straight line between the two images' latent means.

    The first and last are the reconstructions of image_a and image_b. A conditional model
    needs both labels and blends the class vectors along the same line.
    """
    if steps < 2:
        raise ValueError("steps: must be at least 2")
    pair = np.stack([np.asarray(image_a, np.uint8), np.asarray(image_b, np.uint8)])
    given = [label for label in (label_a, label_b) if label is not None]
    if model.conditional and len(given) != 2:
        raise ValueError("label: a conditional model needs label_a and label_b")
    labels = _labels_resolve(model, given or None, 2)
    mu = latents_encode(model, pair, labels)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    latents = (1.0 - t) * mu[0] + t * mu[1]
    soft = None
    if labels is not None:
        onehot = torch.nn.functional.one_hot(labels, model.num_classes).float()
        soft = (1.0 - torch.from_numpy(t)) * onehot[0] + torch.from_numpy(t) * onehot[1]
    return _decode(model, latents, soft)


def latent_map_make(
    model: VaeModel, grid: int = 20, span: float = 2.5, *, label: int | str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(one uint8 image of grid×grid decoded tiles, coords float32 grid×grid×2) of a 2-D latent model.

    Tile (row i, column j) decodes z = coords[i, j] = (x_j, y_i): x runs -span → span left to
    right and y runs span → -span top to bottom, so "up" on the map is +z₂ as on a plot.
    """
    if model.latent_dim != 2:
        raise ValueError(f"model: the latent map needs a 2-D latent model, this one has {model.latent_dim}")
    if not 2 <= grid <= 64:
        raise ValueError("grid: must be in 2..64")
    if not span > 0:
        raise ValueError("span: must be positive")
    axis = np.linspace(-span, span, grid, dtype=np.float32)
    xs, ys = np.meshgrid(axis, axis[::-1])
    coords = np.stack([xs, ys], axis=-1).astype(np.float32)
    labels = _labels_resolve(model, label, grid * grid)
    if model.conditional and labels is None:
        raise ValueError("label: a conditional model draws its map for one class")
    tiles = _decode(model, coords.reshape(-1, 2), labels)
    return images_tile(tiles, grid, grid), coords


def reconstructions_make(
    model: VaeModel, images: np.ndarray, labels: int | str | Sequence[int | str] | None = None
) -> np.ndarray:
    """Images decoded from their posterior means (uint8 N×H×W)."""
    images = np.asarray(images, dtype=np.uint8)
    resolved = _labels_resolve(model, labels, images.shape[0])
    if model.conditional and resolved is None:
        raise ValueError("label: a conditional model needs the images' labels")
    return _decode(model, latents_encode(model, images, resolved), resolved)
