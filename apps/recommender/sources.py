"""Where the demo's rating data comes from, in DESIGN.md's lookup order.

AEWEB_DATA_DIR, the project's cache folder, then a download from GroupLens (checked
file by file against known sha256 sums); with none of these, a clearly labelled synthetic
data set keeps the demo running.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
from django.conf import settings
from tqdm import tqdm

logger = logging.getLogger(__name__)

ML100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
ML100K_SHA256 = {
    "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
    "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
    "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
}


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ML100K_SHA256)


def ml100k_locate(*, download: bool = True) -> Path | None:
    """The folder holding MovieLens 100K, downloading it into the cache if need be."""
    candidates = []
    if settings.AEWEB_DATA_DIR:
        candidates.append(Path(settings.AEWEB_DATA_DIR) / "ml-100k")
    candidates.append(Path(settings.AEWEB_CACHE_DIR) / "ml-100k")
    for folder in candidates:
        if _complete(folder):
            return folder
    if download and os.environ.get("AEWEB_OFFLINE", "") not in {"1", "true"}:
        try:
            return ml100k_download(Path(settings.AEWEB_CACHE_DIR) / "ml-100k")
        except Exception as exc:  # no internet is the common case on these machines
            logger.info("MovieLens 100K download failed: %s", exc)
    return None


def ml100k_download(target: Path, timeout: float = 20.0) -> Path:
    with urllib.request.urlopen(ML100K_URL, timeout=timeout) as response:  # noqa: S310 (fixed https URL)
        total = int(response.headers.get("Content-Length") or 0)
        buffer = io.BytesIO()
        with tqdm(total=total or None, unit="B", unit_scale=True, desc="ml-100k.zip") as bar:
            for block in iter(lambda: response.read(1 << 16), b""):
                buffer.write(block)
                bar.update(len(block))
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buffer) as archive:
        for member in archive.namelist():
            name = member.rsplit("/", 1)[-1]
            if not name.startswith("u.") or "/" not in member:
                continue
            data = archive.read(member)
            expected = ML100K_SHA256.get(name)
            if expected and hashlib.sha256(data).hexdigest() != expected:
                raise ValueError(f"checksum mismatch for {name} in {ML100K_URL}")
            (target / name).write_bytes(data)
    return target


def synthetic_ratings_write(path: Path, *, n_users: int = 300, n_items: int = 400, seed: int = 7) -> Path:
    """A labelled stand-in: users and items with latent tastes, so a model has something to learn."""
    rng = np.random.default_rng(seed)
    users, items = rng.normal(size=(n_users, 6)), rng.normal(size=(n_items, 6))
    affinity = users @ items.T + rng.normal(scale=0.5, size=(n_users, n_items))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fh.write("user,item,rating\n")
        for user in range(n_users):
            seen = rng.choice(n_items, size=int(rng.integers(15, 60)), replace=False)
            for item in seen:
                rating = int(np.clip(np.round(3 + affinity[user, item] / 2), 1, 5))
                fh.write(f"u{user + 1},synthetic-{item + 1},{rating}\n")
    return path
