"""One BLAS and torch thread for these small problems: on a shared 2-core machine, two threads per
process spin against each other and the other processes (a 320×784 PCA took 4 s instead of 0.15 s)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def threads_single():
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)
