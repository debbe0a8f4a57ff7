"""Gallery fixtures: the real data sets (skip without them) and a fresh throttle count per test."""

from __future__ import annotations

import pytest

from tests.conftest import DATA_DIR


@pytest.fixture
def fashion_dir():
    if not (DATA_DIR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not found (set AEWEB_DATA_DIR)")
    return DATA_DIR / "fashion-mnist"


@pytest.fixture(autouse=True)
def throttle_reset():
    from django.core.cache import cache

    cache.clear()  # the "gallery" scope counts requests per client across tests otherwise
    yield
