import hashlib

import pytest

from apps.core.artifacts import artifact_verify, artifact_write


def test_artifact_write_is_atomic_and_checksummed(settings, tmp_path):
    settings.AEWEB_ARTIFACT_DIR = tmp_path
    info = artifact_write("m/1/model.bin", lambda p: p.write_bytes(b"weights"))
    assert info["sha256"] == hashlib.sha256(b"weights").hexdigest() and info["bytes"] == 7
    assert artifact_verify(info).read_bytes() == b"weights"
    assert [p.name for p in (tmp_path / "m/1").iterdir()] == ["model.bin"]


def test_failed_write_leaves_nothing(settings, tmp_path):
    settings.AEWEB_ARTIFACT_DIR = tmp_path

    def broken(path):
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        artifact_write("m/2/model.bin", broken)
    assert list((tmp_path / "m/2").iterdir()) == []


def test_changed_artifact_is_detected(settings, tmp_path):
    settings.AEWEB_ARTIFACT_DIR = tmp_path
    info = artifact_write("x.bin", lambda p: p.write_bytes(b"a"))
    (tmp_path / "x.bin").write_bytes(b"b")
    with pytest.raises(ValueError):
        artifact_verify(info)


def test_paths_cannot_escape(settings, tmp_path):
    settings.AEWEB_ARTIFACT_DIR = tmp_path
    with pytest.raises(ValueError):
        artifact_write("../evil.bin", lambda p: p.write_bytes(b"x"))
