import numpy as np
import pytest
import torch

from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.train import split_indices, vae_train

torch.set_num_threads(1)
TINY = {"width": 4, "hidden": 32, "batch_size": 32}


def _shapes(count: int = 192, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright bars, horizontal (label 0) or vertical (label 1), at random places: easy to learn."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.uint8)
    labels = rng.integers(0, 2, count).astype(np.uint8)
    for i in range(count):
        pos = rng.integers(4, 20)
        if labels[i]:
            images[i, 3:25, pos : pos + 4] = 230
        else:
            images[i, pos : pos + 4, 3:25] = 230
    return images, labels


def test_loss_goes_down_and_history_is_reported():
    images, labels = _shapes()
    seen = []
    result = vae_train(images, labels, VaeConfig(model="conv", epochs=4, lr=3e-3, **TINY), on_epoch=seen.append)
    assert [e["epoch"] for e in seen] == [1, 2, 3, 4]
    assert all(set(e) == {"epoch", "epochs", "loss", "recon", "kl", "seconds"} for e in seen)
    assert all(e["epochs"] == 4 and e["seconds"] > 0 for e in seen)
    assert seen == result.history
    assert seen[-1]["loss"] < 0.8 * seen[0]["loss"]
    assert seen[0]["loss"] == pytest.approx(seen[0]["recon"] + seen[0]["kl"], rel=1e-5)  # beta 1
    assert result.metrics["epochs_run"] == 4 and result.metrics["train_loss"] == seen[-1]["loss"]
    assert result.metrics["train_images"] == 192 and not result.metrics["stopped_by_budget"]
    assert all(t.device.type == "cpu" for t in result.state.values())


def test_beta_weights_the_kl_term():
    images, labels = _shapes(64)
    result = vae_train(images, labels, VaeConfig(model="mlp", epochs=1, beta=3.0, **TINY))
    entry = result.history[0]
    # The loss is averaged per batch, recon/kl over images: equal when batches are equal in size.
    assert entry["loss"] == pytest.approx(entry["recon"] + 3.0 * entry["kl"], rel=1e-5)


def test_iwae_objective_trains_on_a_bound_at_most_the_elbo_estimate():
    images, labels = _shapes()
    config = VaeConfig(model="mlp", epochs=3, lr=3e-3, iwae_samples=8, **TINY)
    result = vae_train(images, labels, config)
    # -log mean_k w_k <= -mean_k log w_k (Jensen) for every image, so also summed over an epoch.
    assert all(e["loss"] < e["recon"] + e["kl"] for e in result.history)
    assert result.history[-1]["loss"] < 0.8 * result.history[0]["loss"]
    assert result.config.iwae_samples == 8


def test_training_continues_from_initial_weights():
    images, labels = _shapes()
    config = VaeConfig(model="mlp", epochs=3, lr=3e-3, **TINY)
    first = vae_train(images, labels, config)
    again = vae_train(images, labels, VaeConfig.from_dict({**config.to_dict(), "epochs": 1}), initial_state=first.state)
    fresh = vae_train(images, labels, VaeConfig.from_dict({**config.to_dict(), "epochs": 1}))
    assert again.history[0]["loss"] < 0.9 * fresh.history[0]["loss"]
    wider = VaeConfig.from_dict({**config.to_dict(), "hidden": 64, "epochs": 1})
    with pytest.raises(RuntimeError, match="size mismatch"):
        vae_train(images, labels, wider, initial_state=first.state)


def test_same_seed_same_weights_and_other_seed_differs():
    images, labels = _shapes(96)
    config = VaeConfig(model="conv", epochs=2, binarize=True, **TINY)
    a = vae_train(images, labels, config)
    b = vae_train(images, labels, config)
    c = vae_train(images, labels, VaeConfig.from_dict({**config.to_dict(), "seed": 1}))
    for key in a.state:
        assert torch.equal(a.state[key], b.state[key]), key
    assert a.history[-1]["loss"] == b.history[-1]["loss"]
    assert any(not torch.equal(a.state[k], c.state[k]) for k in a.state)


def test_callback_exception_cancels_training():
    class Cancelled(Exception):
        pass

    calls = []

    def cancel(entry):
        calls.append(entry["epoch"])
        if entry["epoch"] == 2:
            raise Cancelled

    images, labels = _shapes(64)
    with pytest.raises(Cancelled):
        vae_train(images, labels, VaeConfig(model="mlp", epochs=5, **TINY), on_epoch=cancel)
    assert calls == [1, 2]


def test_time_budget_stops_after_the_epoch_that_passes_it():
    images, labels = _shapes(64)
    result = vae_train(images, labels, VaeConfig(model="mlp", epochs=50, max_seconds=1e-6, **TINY))
    assert result.metrics["epochs_run"] == 1 and result.metrics["stopped_by_budget"]


def test_validation_split_reports_held_out_elbo():
    images, labels = _shapes(100)
    result = vae_train(images, labels, VaeConfig(model="mlp", epochs=2, val_fraction=0.2, **TINY))
    assert result.metrics["train_images"] == 80
    last = result.history[-1]
    assert last["val_loss"] == pytest.approx(last["val_recon"] + last["val_kl"])
    assert result.metrics["val_neg_elbo"] == last["val_loss"]


def test_conditional_model_needs_labels_and_trains_with_them():
    images, labels = _shapes(64)
    with pytest.raises(ValueError, match="labels"):
        vae_train(images, None, VaeConfig(model="conditional", epochs=1, **TINY))
    result = vae_train(images, labels, VaeConfig(model="conditional", epochs=1, **TINY))
    assert result.model_build().conditional


def test_kl_warmup_starts_from_a_pure_reconstruction_loss():
    images, labels = _shapes(64)
    result = vae_train(images, labels, VaeConfig(model="mlp", epochs=1, kl_warmup_epochs=10, **TINY))
    entry = result.history[0]
    assert entry["loss"] < entry["recon"] + entry["kl"]


@pytest.mark.parametrize(
    "images", [np.zeros((4, 28, 28), np.float32), np.zeros((4, 32, 32), np.uint8), np.zeros((28, 28), np.uint8)]
)
def test_wrong_images_are_refused(images):
    with pytest.raises(ValueError, match="images"):
        vae_train(images, None, VaeConfig(epochs=1, **TINY))


def test_wrong_label_count_is_refused():
    images, labels = _shapes(10)
    with pytest.raises(ValueError, match="labels"):
        vae_train(images, labels[:5], VaeConfig(epochs=1, **TINY))


def test_split_indices_partition_and_are_seeded():
    train, val = split_indices(50, 0.2, seed=3)
    assert len(val) == 10 and sorted(np.concatenate([train, val]).tolist()) == list(range(50))
    np.testing.assert_array_equal(split_indices(50, 0.2, seed=3)[1], val)
    assert not np.array_equal(split_indices(50, 0.2, seed=4)[1], val)
