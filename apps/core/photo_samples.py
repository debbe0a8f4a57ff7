"""The public-domain sample images one click away on the upload page (vendored, see LICENSE.md there)."""

from __future__ import annotations

from pathlib import Path

from django.templatetags.static import static

from apps.core.ml.photos import SAMPLES_DIR

SAMPLES = {
    "camera": "Cameraman (grayscale)",
    "astronaut": "Astronaut (colour)",
    "coffee": "Coffee cup (colour)",
    "chelsea": "Chelsea the cat (colour)",
}


def sample_path(name: str) -> Path:
    if name not in SAMPLES:
        raise KeyError(name)
    return SAMPLES_DIR / f"{name}.png"


def samples_list() -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "title": title,
            "url": static(f"core/samples/{name}.png"),
            "thumb_url": static(f"core/samples/{name}-thumb.jpg"),
        }
        for name, title in SAMPLES.items()
    ]
