"""Which torch device the worker uses. Imported only inside worker children."""

from __future__ import annotations

from functools import cache

from django.conf import settings


@cache
def device_resolve() -> str:
    """`AEWEB_DEVICE`: auto (CUDA when available), cpu or cuda."""
    import torch

    choice = (settings.AEWEB_DEVICE or "auto").lower()
    if settings.AEWEB_TORCH_THREADS:
        torch.set_num_threads(settings.AEWEB_TORCH_THREADS)
    if choice == "cpu":
        return "cpu"
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("AEWEB_DEVICE=cuda but no CUDA device is available to this worker")
        return "cuda"
    if choice != "auto":
        raise ValueError(f"AEWEB_DEVICE must be auto, cpu or cuda, not {choice!r}")
    return "cuda" if torch.cuda.is_available() else "cpu"
