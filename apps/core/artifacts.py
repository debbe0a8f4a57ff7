"""Artifact files written atomically (temporary name, fsync, rename) with their sha256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings


def artifact_root() -> Path:
    return Path(settings.AEWEB_ARTIFACT_DIR)


def artifact_path(relpath: str) -> Path:
    path = (artifact_root() / relpath).resolve()
    if artifact_root().resolve() not in path.parents:
        raise ValueError(f"artifact path escapes the artifact folder: {relpath}")
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def artifact_write(relpath: str, writer: Callable[[Path], None]) -> dict:
    """Let `writer` fill a temporary file, then move it into place in one rename.

    A crash mid-write leaves only a temporary file that nothing points at, never a
    half-written artifact under the final name.
    """
    final = artifact_path(relpath)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        sha = file_sha256(tmp)
        size = tmp.stat().st_size
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"path": relpath, "sha256": sha, "bytes": size}


def artifact_verify(info: dict) -> Path:
    """The artifact's path, after checking it is there and unchanged."""
    path = artifact_path(info["path"])
    if not path.exists():
        raise FileNotFoundError(f"artifact missing: {info['path']}")
    if file_sha256(path) != info["sha256"]:
        raise ValueError(f"artifact changed on disk (sha256 mismatch): {info['path']}")
    return path
