"""Representations fixtures: the real test images (skip without Fashion-MNIST), fresh caches per test."""

from __future__ import annotations

import pytest

from tests.conftest import DATA_DIR


@pytest.fixture
def fashion_dir(monkeypatch):
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    monkeypatch.setenv("AEWEB_DATA_DIR", str(DATA_DIR))  # where the web process looks (nothing is downloaded)
    return DATA_DIR / "fashion-mnist"


@pytest.fixture(autouse=True)
def caches_fresh():
    from django.core.cache import cache

    from apps.core.loading import loaded_clear

    cache.clear()  # throttle counts per client
    loaded_clear()  # versions are numbered afresh in each test database: ids repeat
    yield
    loaded_clear()


@pytest.fixture(autouse=True, scope="module")
def blas_single():
    """One BLAS thread for the fixture PCAs: on a busy 2-core machine two threads per process spin
    against the worker and each other (a 2,000×784 SVD took 15 s instead of 0.8 s)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield

