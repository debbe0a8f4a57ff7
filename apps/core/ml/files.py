"""Files written atomically: a temporary name in the target folder, fsync, one rename."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

Writer = Callable[[Path], None]


def atomic_write(path: str | Path, data: bytes | Writer, *, mode: int = 0o644, fsync: bool = True) -> Path:
    """Put `data` (bytes, or a writer that fills the path it is given) at `path`; returns the path.

    Readers see the old file or the complete new one, never part of it; a writer that raises
    leaves the old file as it was and no temporary file behind.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    # The same folder, so the rename stays on one file system and is atomic; the same suffix,
    # for writers that pick a format from it (Pillow, numpy.savez).
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if callable(data):
            data(tmp)
        else:
            with open(tmp, "wb") as handle:
                handle.write(data)
        if fsync:
            # Without it a crash soon after the rename can leave the new name on an empty file.
            _fsync(tmp)
        # mkstemp makes the file 0600; workers and web servers running as other users must read it.
        os.chmod(tmp, mode)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        _fsync_dir(final.parent)
    return final


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable. Best effort: some systems and file systems cannot open
    # or fsync a folder, and the file is already complete under its final name.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def npz_write(path: str | Path, arrays: dict) -> None:
    """Arrays into `path` as .npz, whatever its suffix (np.savez given a name appends ".npz" to a temporary one)."""
    import numpy as np

    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
