import numpy as np
import pytest
import torch

from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import vae_build
from apps.gallery.ml.checkpoint import checkpoint_read, vae_load, vae_save
from apps.gallery.ml.generate import samples_generate

torch.set_num_threads(1)


@pytest.mark.parametrize("model", ["conv", "conditional", "mlp"])
def test_vae_round_trip_generates_the_same_images(tmp_path, model):
    config = VaeConfig(model=model, width=4, hidden=16, seed=2, beta=0.5)
    net = vae_build(config)
    torch.nn.init.normal_(next(net.parameters()))  # differ from a fresh build
    path = vae_save(tmp_path / "models" / "vae.pt", net, config, metrics={"neg_elbo": 1.5}, history=[{"epoch": 1}])
    loaded = vae_load(path, "cpu")
    assert loaded.config == config and not loaded.training
    assert loaded.metrics == {"neg_elbo": 1.5} and loaded.history == [{"epoch": 1}]
    label = "sneakers" if model == "conditional" else None
    np.testing.assert_array_equal(samples_generate(loaded, 3, 1, label=label)[0],
                                  samples_generate(net.eval(), 3, 1, label=label)[0])  # fmt: skip
    assert [p.name for p in path.parent.iterdir()] == ["vae.pt"]  # no temporary file left


def test_state_dict_is_accepted(tmp_path):
    config = VaeConfig(model="mlp", hidden=8, latent_dim=2)
    net = vae_build(config)
    vae_save(tmp_path / "s.pt", net.state_dict(), config)
    for a, b in zip(vae_load(tmp_path / "s.pt").parameters(), net.parameters(), strict=True):
        assert torch.equal(a, b)


def test_other_files_are_refused(tmp_path):
    torch.save({"format": "something-else"}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="not a"):
        vae_load(tmp_path / "x.pt")
    config = VaeConfig(model="mlp", hidden=8, latent_dim=2)
    payload = checkpoint_read(vae_save(tmp_path / "vae.pt", vae_build(config), config))
    payload["version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="version"):
        vae_load(tmp_path / "future.pt")
