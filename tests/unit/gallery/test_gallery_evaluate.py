import os
from pathlib import Path

import numpy as np
import pytest
import torch

from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import vae_build
from apps.gallery.ml.evaluate import images_binarize, vae_evaluate, vae_test_evaluate

torch.set_num_threads(1)
REAL_DATA = Path(os.environ.get("AEWEB_DATA_DIR") or Path(__file__).resolve().parents[4] / "shared" / "data")


def _images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


def test_binarisation_is_seeded_bernoulli_of_the_grey_level():
    images = np.zeros((50, 28, 28), np.uint8)
    images[:, :, :10] = 255
    images[:, :, 10:20] = 64
    binary = images_binarize(images, seed=3)
    assert set(np.unique(binary).tolist()) <= {0, 255}
    assert (binary[:, :, :10] == 255).all() and (binary[:, :, 20:] == 0).all()
    share = (binary[:, :, 10:20] == 255).mean()
    n = binary[:, :, 10:20].size
    p = 64 / 255
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_array_equal(images_binarize(images, seed=3), binary)
    assert not np.array_equal(images_binarize(images, seed=4), binary)


def test_evaluation_adds_up_and_is_seeded():
    model = vae_build(VaeConfig(model="mlp", hidden=16, latent_dim=4)).eval()
    images = _images(30)
    a = vae_evaluate(model, images, iwae_k=8, batch_size=7, seed=1)
    b = vae_evaluate(model, images, iwae_k=8, batch_size=7, seed=1)
    assert a == b
    assert a["count"] == 30 and a["iwae_k"] == 8 and a["binarized"] is False
    assert a["neg_elbo"] == pytest.approx(a["recon"] + a["kl"])
    assert a["kl"] > 0
    assert "iwae_nll" not in vae_evaluate(model, images, iwae_k=0)


def test_per_image_values_average_to_the_means():
    model = vae_build(VaeConfig(model="mlp", hidden=16, latent_dim=4)).eval()
    out = vae_evaluate(model, _images(12), iwae_k=4, batch_size=5, per_image=True)
    values = out["per_image"]
    assert all(len(v) == 12 for v in values.values())
    np.testing.assert_allclose(values["neg_elbo"], values["recon"] + values["kl"])
    for key in ("neg_elbo", "recon", "kl", "iwae_nll"):
        assert out[key] == pytest.approx(values[key].mean())


def test_binarized_evaluation_scores_the_fixed_binarisation():
    model = vae_build(VaeConfig(model="mlp", hidden=16, latent_dim=4)).eval()
    images = _images(20)
    binarized = vae_evaluate(model, images, iwae_k=4, binarize=True, seed=2)
    direct = vae_evaluate(model, images_binarize(images), iwae_k=4, seed=2)
    assert binarized["binarized"] is True
    for key in ("neg_elbo", "recon", "kl", "iwae_nll"):
        assert binarized[key] == pytest.approx(direct[key], rel=1e-9)


def test_progress_is_reported_per_batch():
    model = vae_build(VaeConfig(model="mlp", hidden=16, latent_dim=4)).eval()
    seen = []
    vae_evaluate(model, _images(25), iwae_k=2, batch_size=10, on_batch=lambda done, total: seen.append((done, total)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_conditional_model_needs_labels():
    model = vae_build(VaeConfig(model="conditional", width=4, hidden=16)).eval()
    with pytest.raises(ValueError, match="labels"):
        vae_evaluate(model, _images(3), iwae_k=2)
    assert vae_evaluate(model, _images(3), np.array([1, 2, 3], np.uint8), iwae_k=2)["count"] == 3


def test_mnist_test_evaluation_includes_the_binarised_protocol():
    if not (REAL_DATA / "mnist" / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("MNIST not found (set AEWEB_DATA_DIR)")
    model = vae_build(VaeConfig(dataset="mnist", model="mlp", hidden=16, latent_dim=4)).eval()
    metrics = vae_test_evaluate(model, iwae_k=3, count=40, data_dir=str(REAL_DATA))
    assert metrics["count"] == 40 and metrics["iwae_k"] == 3
    assert {"binarized_neg_elbo", "binarized_recon", "binarized_kl", "binarized_iwae_nll"} <= set(metrics)
    assert metrics["binarized_neg_elbo"] == pytest.approx(metrics["binarized_recon"] + metrics["binarized_kl"])


def test_a_model_trained_binarised_is_bounded_on_the_binarised_test_set_only():
    if not (REAL_DATA / "mnist" / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("MNIST not found (set AEWEB_DATA_DIR)")
    model = vae_build(VaeConfig(dataset="mnist", model="mlp", hidden=16, latent_dim=4, binarize=True)).eval()
    seen = []
    metrics = vae_test_evaluate(
        model, iwae_k=3, count=40, data_dir=str(REAL_DATA), on_batch=lambda d, t: seen.append((d, t))
    )
    assert "iwae_nll" not in metrics and metrics["iwae_k"] == 3 and "binarized_iwae_nll" in metrics
    assert "neg_elbo" in metrics  # the grey ELBO is still given
    # one progress over both passes: never backwards, to the end, the grey pass (1 of 5 decoder passes) first
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1] == (40, 40) and {t for _, t in seen} == {40}
    assert done[0] <= 8
