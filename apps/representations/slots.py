"""The representation model kind, its slots (one per autoencoder type and baseline) and what each can do.

No torch: the names come from ml/config.py, which is plain Python.
"""

from __future__ import annotations

from apps.representations.ml.config import BASELINES, DATASETS, HAS_ENCODER, MAPS_ONLY, MODELS
from apps.representations.ml.config import DEFAULT_MODEL as CONFIG_DEFAULT_MODEL

REPRESENTATION_KIND = "representation"
TRAINING = "representation"
TRAIN_JOB_KIND = f"train.{TRAINING}"
SLOTS = (*MODELS, *BASELINES)  # slot = the model's or baseline's name
DEFAULT_DATASET = DATASETS[0]
DEFAULT_MODEL = CONFIG_DEFAULT_MODEL
MAP_CODE = 2  # a map is a 2-D code (or a 2-D embedding of a baseline)

TITLES = {
    "vanilla": "Vanilla AE",
    "linear": "Linear AE",
    "sparse": "Sparse AE",
    "conv": "Convolutional AE",
    "denoising": "Denoising AE",
    "vae": "VAE",
    "gan": "GAN",
    "pca": "PCA",
    "tsne": "t-SNE",
    "umap": "UMAP",
}
# The wardrobe's view buttons, in this order: the linear baseline, the autoencoders, then the
# non-parametric maps.
MAP_ORDER = ("pca", "vanilla", "linear", "sparse", "conv", "denoising", "vae", "gan", "tsne", "umap")

# What a slot's serving arrays can do. t-SNE places only the points it was fitted on: it has no
# function from a new image to the map, nor from the map back to an image. UMAP has both, but
# only through its fitted model (numba), which the web process does not load. A GAN has a
# generator (a decoder) and no encoder.
NO_SERVING = MAPS_ONLY
NO_ENCODER = tuple(slot for slot in SLOTS if slot not in HAS_ENCODER)
NO_DECODER = NO_SERVING
AUTOENCODERS = tuple(m for m in MODELS if m != "gan")

assert set(MAP_ORDER) == set(SLOTS), "every slot needs a place in the wardrobe's order"
assert set(TITLES) >= set(SLOTS), "every slot needs a title"


def slot_title(slot: str) -> str:
    return TITLES.get(slot, slot)


def why_no_decoder(slot: str) -> str:
    if slot == "tsne":
        return (
            "t-SNE has no decoder: it places the images it was fitted on and nothing else, so a point of its "
            "map is not an image. Pick PCA, an autoencoder or the VAE to decode points."
        )
    if slot == "umap":
        return (
            "UMAP's inverse transform needs its fitted model, which runs in a worker, not here; decode points "
            "in the PCA, autoencoder or VAE maps."
        )
    return "this version has no decoder."


def why_no_encoder(slot: str) -> str:
    if slot == "tsne":
        return (
            "t-SNE cannot map a new point: it has no function from an image to the map, only the positions "
            "of the images it was fitted on (fitting again with the new image moves every point)."
        )
    if slot == "umap":
        return (
            "UMAP places a new image through its fitted model, which runs in a worker, not in the web "
            "process; the PCA and autoencoder maps place uploads here at once."
        )
    if slot == "gan":
        return "A GAN has no encoder: it generates images from codes but cannot map an image to a code."
    return "this version has no encoder."
