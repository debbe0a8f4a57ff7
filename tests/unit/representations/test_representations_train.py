"""The training loops on small synthetic images: every type runs, seeds repeat, the sparse penalty and the
time budget act, the linear autoencoder finds PCA's solution, checkpoints read back.

Synthetic images (sums of a few smooth blobs) instead of a data set: seconds on 2 CPU cores, and
no download. Low rank plus noise, so PCA has a clear answer for the linear autoencoder to reach.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from apps.representations.ml.baselines import PcaRepresentation
from apps.representations.ml.checkpoint import representation_load, representation_save
from apps.representations.ml.config import RepresentationConfig
from apps.representations.ml.estimators import AutoencoderRepresentation
from apps.representations.ml.metrics import principal_angles_deg, recon_error
from apps.representations.ml.train import representation_train

# Small networks: the loops and losses are what is tested, not the capacity.
SMALL = {
    "vanilla": {"code": 4, "hidden": [32]},
    "linear": {"code": 4},
    "sparse": {"code": 16},
    "conv": {"code": 4, "width": 4},
    "denoising": {"code": 4, "hidden": [32]},
    "vae": {"code": 4, "width": 4, "hidden": [32]},
    "gan": {"code": 8, "width": 4},
    "pca": {"code": 4},
}


def blob_images(count: int, *, seed: int = 0) -> np.ndarray:
    """uint8 count×28×28: six fixed Gaussian blobs, each with its own random brightness, plus a little noise.

    Four strong blobs and two faint ones: PCA with a 4-D code has a clear subspace to find."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    centres = [(7, 7), (7, 21), (21, 7), (21, 21), (14, 14), (4, 14)]
    blobs = np.stack([np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 10.0) for cy, cx in centres])  # 6×28×28
    scales = np.array([1.0, 0.9, 0.8, 0.7, 0.3, 0.2])
    weights = 0.5 + np.clip(rng.normal(0, 0.5, size=(count, len(centres))), -1, 1) * 0.5 * scales
    x = np.einsum("nk,khw->nhw", weights, blobs) + rng.normal(0, 0.02, size=(count, 28, 28))
    return (np.clip(x, 0, 1) * 255).round().astype(np.uint8)


def config_for(model: str, **settings) -> RepresentationConfig:
    base = {"model": model, "epochs": 1, "batch_size": 32, "max_seconds": None, **SMALL[model]}
    return RepresentationConfig.from_dict({**base, **settings})


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return blob_images(320)


@pytest.mark.parametrize("model", list(SMALL))
def test_one_epoch_of_every_type_gives_a_finite_loss_and_a_network(model, images):
    config = config_for(model)
    seen: list[dict] = []
    result = representation_train(images, None, config, on_epoch=seen.append)
    assert len(result.history) == 1 and result.history[0]["epoch"] == 1 and seen == result.history
    assert math.isfinite(result.history[0]["loss"])
    if model != "pca":
        assert math.isfinite(result.metrics["train_loss"]) and result.metrics["train_loss"] > 0
    assert result.metrics["epochs_run"] == 1 and result.metrics["train_images"] == len(images)
    network = result.model_build()
    assert not network.training
    estimator = result.extra["estimator"] if model == "pca" else AutoencoderRepresentation.from_result(result)
    if config.has_encoder:
        codes = estimator.transform(images[:5])
        assert codes.shape == (5, config.code) and np.isfinite(codes).all()
        rebuilt = estimator.inverse_transform(codes)
        assert rebuilt.shape == (5, 28, 28) and rebuilt.min() >= 0 and rebuilt.max() <= 1
    else:
        samples = estimator.sample(5, seed=1)
        assert samples.shape == (5, 28, 28) and np.isfinite(samples).all()


def test_the_gan_trains_when_the_last_batch_has_one_image(images):
    """Its batch norms cannot train on one image: 33 images in batches of 32 used to fail the job."""
    result = representation_train(images[:33], None, config_for("gan", batch_size=32))
    assert math.isfinite(result.history[0]["loss"]) and math.isfinite(result.history[0]["d_loss"])


def test_train_count_keeps_the_first_images(images):
    result = representation_train(images, None, config_for("linear", train_count=50))
    assert result.metrics["train_images"] == 50


@pytest.mark.parametrize("model", ["denoising", "conv", "gan", "sparse"])
def test_the_same_seed_without_a_budget_gives_the_same_weights(model, images):
    config = config_for(model, epochs=2, seed=5)
    first = representation_train(images[:160], None, config)
    again = representation_train(images[:160], None, config)
    assert first.state.keys() == again.state.keys()
    for key in first.state:
        assert torch.equal(first.state[key], again.state[key]), key
    assert [e["loss"] for e in first.history] == [e["loss"] for e in again.history]
    other = representation_train(images[:160], None, dataclasses.replace(config, seed=6))
    assert any(not torch.equal(first.state[k], other.state[k]) for k in first.state)


def test_the_sparse_loss_holds_the_kl_term_and_pulls_the_mean_activation_to_rho(images):
    rho = 0.1
    config = config_for("sparse", epochs=6, sparsity_target=rho, sparsity_weight=3.0, weight_decay=0.0)
    result = representation_train(images, None, config)
    for entry in result.history:
        # mse: the objective is half the squared error, so the loss is that plus beta·KL, exactly.
        assert entry["loss"] == pytest.approx(0.5 * entry["recon"] + 3.0 * entry["kl"], rel=1e-5)
        assert entry["kl"] > 0
    # Without the penalty the code units saturate (they carry the image); with it they stay near rho.
    free = representation_train(images, None, dataclasses.replace(config, sparsity_weight=0.0))
    penalised, unpenalised = result.history[-1]["mean_activation"], free.history[-1]["mean_activation"]
    assert free.history[-1]["loss"] == pytest.approx(0.5 * free.history[-1]["recon"], rel=1e-5)
    assert abs(penalised - rho) < 0.5 * abs(unpenalised - rho), (penalised, unpenalised)
    assert free.history[-1]["kl"] > 5 * result.history[-1]["kl"]


def test_the_linear_autoencoder_reaches_pca(images):
    # 2,000 Adam steps: a linear autoencoder sits on a plateau for the first few hundred (its default lr,
    # 3e-3, needs more; on Fashion-MNIST an epoch is 470 steps).
    config = config_for("linear", code=4, epochs=200, lr=1e-2)
    result = representation_train(images, None, config)
    linear = AutoencoderRepresentation.from_result(result)
    pca = PcaRepresentation(4).fit(images)
    ae_error = recon_error(images, linear.reconstruct(images))
    pca_error = recon_error(images, pca.inverse_transform(pca.transform(images)))
    assert pca_error <= ae_error * 1.001  # PCA is the optimum of the linear code
    assert ae_error < 1.15 * pca_error, (ae_error, pca_error)
    decoder = linear.model_.decoder[0].weight.detach().numpy()  # 784×4: its columns span the code's images
    assert principal_angles_deg(decoder, pca.components_.T).max() < 20.0


def test_the_time_budget_stops_training(images):
    config = config_for("conv", epochs=500, max_seconds=0.3, batch_size=16)
    result = representation_train(images, None, config)
    assert result.metrics["stopped_by_budget"] is True
    assert result.metrics["epochs_run"] < 500 and len(result.history) == result.metrics["epochs_run"]
    assert result.metrics["seconds"] < 10.0
    gan = representation_train(images, None, config_for("gan", epochs=500, max_seconds=0.3, batch_size=16))
    assert gan.metrics["stopped_by_budget"] is True and gan.metrics["epochs_run"] < 500


def test_the_linear_checkpoint_reads_back(images, tmp_path):
    config = config_for("linear", epochs=2)
    result = representation_train(images, None, config)
    path = representation_save(tmp_path / "model.pt", result.state, config, metrics={"a": 1.0}, history=result.history)
    model = representation_load(path, "cpu")
    assert not model.training and model.config == config and model.metrics == {"a": 1.0}
    assert model.history == result.history
    for key, value in result.state.items():
        assert torch.equal(model.state_dict()[key], value), key
    x = torch.from_numpy(images[:4]).float().div(255.0).unsqueeze(1)
    with torch.no_grad():
        np.testing.assert_array_equal(model(x).numpy(), result.model_build()(x).numpy())


def test_the_pca_network_computes_pca(images):
    """The worker serves PCA as a linear autoencoder (linear_state): the same codes and reconstructions."""
    result = representation_train(images, None, config_for("pca"))
    pca, network = result.extra["estimator"], result.model_build()
    x = torch.from_numpy(images[:8]).float().div(255.0).unsqueeze(1)
    with torch.no_grad():
        np.testing.assert_allclose(network.encode(x).numpy(), pca.transform(images[:8]), atol=1e-4)
        rebuilt = network.decode(network.encode(x)).clamp(0, 1).numpy()[:, 0]
    np.testing.assert_allclose(rebuilt, pca.inverse_transform(pca.transform(images[:8])), atol=1e-4)


@pytest.mark.parametrize("model", ["vanilla", "sparse", "conv", "denoising", "vae"])
def test_the_cross_entropy_sees_the_logits_of_the_decoded_image(model):
    """sigmoid(decode_logits(z)) is the decoded image: a Sigmoid left in the logits (as the MLP
    decoders once had, before their Unflatten) holds every pixel in [0.5, 0.73] under the loss."""
    from apps.representations.ml.models import model_build

    torch.manual_seed(0)
    net = model_build(config_for(model, loss="bce")).eval()
    z = torch.randn(5, SMALL[model]["code"]) * 3
    with torch.no_grad():
        logits, image = net.decode_logits(z), net.decode(z)
    assert logits.shape == image.shape
    assert torch.allclose(torch.sigmoid(logits), image, atol=1e-6)
    assert float(logits.min()) < 0.0  # raw logits, not probabilities
