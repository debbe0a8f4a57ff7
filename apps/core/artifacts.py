"""Artifact files written atomically (temporary name, fsync, rename) with their sha256."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from apps.core.ml.files import atomic_write, file_sha256

__all__ = [
    "artifact_path",
    "artifact_root",
    "artifact_verify",
    "artifact_write",
    "benchmark_checkpoint_read",
    "file_sha256",
]


def artifact_root() -> Path:
    return Path(settings.AEWEB_ARTIFACT_DIR)


def artifact_path(relpath: str) -> Path:
    path = (artifact_root() / relpath).resolve()
    if artifact_root().resolve() not in path.parents:
        raise ValueError(f"artifact path escapes the artifact folder: {relpath}")
    return path


def artifact_write(relpath: str, writer: Callable[[Path], None]) -> dict:
    """Let `writer` fill a temporary file, then move it into place in one rename.

    A crash mid-write leaves only a temporary file that nothing points at, never a
    half-written artifact under the final name.
    """
    final = atomic_write(artifact_path(relpath), writer)
    sha = file_sha256(final)
    size = final.stat().st_size
    return {"path": relpath, "sha256": sha, "bytes": size}


def artifact_verify(info: dict) -> Path:
    """The artifact's path, after checking it is there and unchanged."""
    path = artifact_path(info["path"])
    if not path.exists():
        raise FileNotFoundError(f"artifact missing: {info['path']}")
    if file_sha256(path) != info["sha256"]:
        raise ValueError(f"artifact changed on disk (sha256 mismatch): {info['path']}")
    return path


def benchmark_checkpoint_read(read: Callable[[Path], dict], path: Path, benchmark: str) -> dict:
    """The payload of a checkpoint that `benchmark` wrote, read by `read` (an app's checkpoint reader).

    Such a checkpoint names the command that made it (`made_by`), which a shipped model's card
    needs; ValueError naming the file when it cannot be read or has none.
    """
    try:
        payload = read(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    if "made_by" not in payload:
        raise ValueError(
            f"{path}: no `made_by` in the checkpoint; ship a model version, or a checkpoint written by {benchmark}"
        )
    return payload
