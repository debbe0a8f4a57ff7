"""apps.core.ml.files: atomic writes that leave readable files and never a half-written one."""

import hashlib
import os
import stat

import pytest

from apps.core.ml.files import atomic_write, file_sha256


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_bytes_land_with_0644_in_new_folders(tmp_path):
    old_umask = os.umask(0o077)  # a strict umask must not make the file unreadable to other users
    try:
        path = atomic_write(tmp_path / "a" / "b" / "data.bin", b"payload")
    finally:
        os.umask(old_umask)
    assert path == tmp_path / "a" / "b" / "data.bin"
    assert path.read_bytes() == b"payload" and _mode(path) == 0o644
    assert os.listdir(path.parent) == ["data.bin"]


def test_mode_and_fsync_can_be_chosen(tmp_path):
    path = atomic_write(str(tmp_path / "secret.txt"), b"x", mode=0o600, fsync=False)
    assert path.read_bytes() == b"x" and _mode(path) == 0o600


def test_writer_fills_a_temporary_file_beside_the_target(tmp_path):
    seen = []

    def writer(tmp):
        seen.append(tmp)
        assert not (tmp_path / "model.pt").exists()  # nothing under the final name yet
        tmp.write_bytes(b"weights")

    path = atomic_write(tmp_path / "model.pt", writer)
    (tmp,) = seen
    assert tmp.parent == tmp_path and tmp.name.startswith(".tmp-") and tmp.suffix == ".pt"
    assert not tmp.exists() and path.read_bytes() == b"weights" and _mode(path) == 0o644


def test_replacing_a_file_is_whole(tmp_path):
    target = tmp_path / "out.png"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["out.png"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_failing_writer_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    target = tmp_path / "model.pt"
    target.write_bytes(b"old")

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise error

    with pytest.raises(type(error)):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.pt"]


def test_failing_writer_creates_nothing(tmp_path):
    def broken(tmp):
        raise ValueError("checksum")

    with pytest.raises(ValueError, match="checksum"):
        atomic_write(tmp_path / "new.gz", broken)
    assert os.listdir(tmp_path) == []


def test_file_sha256_reads_in_blocks(tmp_path):
    data = os.urandom((1 << 20) * 2 + 123)  # more than one 1 MiB block, not a whole number of them
    path = atomic_write(tmp_path / "big.bin", data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert file_sha256(str(atomic_write(tmp_path / "empty", b""))) == hashlib.sha256(b"").hexdigest()
