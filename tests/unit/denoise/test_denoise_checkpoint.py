"""Checkpoints of the denoise app's models; the 28×28 autoencoder keeps the gallery's format so old files load."""

import numpy as np
import pytest
import torch

from apps.denoise.ml.checkpoint import DAE_FORMAT, checkpoint_read, dae_load, dae_save, denoiser_load, denoiser_save
from apps.denoise.ml.config import DaeConfig, DenoiserConfig
from apps.denoise.ml.dae import dae_build
from apps.denoise.ml.model import denoiser_build

torch.set_num_threads(1)


def test_dae_round_trip(tmp_path):
    config = DaeConfig(width=4, noise_std=0.4, dataset="mnist")
    net = dae_build(config)
    torch.nn.init.normal_(next(net.parameters()))  # differ from a fresh build
    path = dae_save(tmp_path / "m" / "dae.pt", net, config, metrics={"val_psnr": 20.0}, history=[{"epoch": 1}])
    loaded = dae_load(path, "cpu")
    assert loaded.config == config and loaded.metrics == {"val_psnr": 20.0} and loaded.history == [{"epoch": 1}]
    assert not loaded.training
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x))
    assert [p.name for p in path.parent.iterdir()] == ["dae.pt"]  # no temporary file left


def test_a_dae_saved_by_the_gallery_before_the_move_still_loads(tmp_path):
    """The payload the gallery's own writer produced (HEAD before the move), byte for byte the same keys."""
    config = DaeConfig(width=4)
    net = dae_build(config)
    payload = {
        "format": "aeweb-gallery-dae",
        "version": 1,
        "config": {"dataset": "fashion-mnist", "width": 4, "noise_std": 0.3, "epochs": 10, "batch_size": 128,
                   "lr": 0.001, "val_fraction": 0.02, "seed": 0, "max_seconds": None},  # fmt: skip
        "state": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "metrics": {"test_psnr": 19.5},
        "history": [],
    }
    torch.save(payload, tmp_path / "old.pt")
    loaded = dae_load(tmp_path / "old.pt")
    assert DAE_FORMAT == "aeweb-gallery-dae"
    assert loaded.config == config and loaded.metrics == {"test_psnr": 19.5}
    x = torch.rand(1, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x))


def test_formats_are_not_confused(tmp_path):
    dae_config = DaeConfig(width=4)
    dae_save(tmp_path / "dae.pt", dae_build(dae_config), dae_config)
    unet_config = DenoiserConfig(width=8, levels=1, convs=1, patch_size=16, val_patch_size=32)
    denoiser_save(tmp_path / "unet.pt", denoiser_build(unet_config), unet_config)
    with pytest.raises(ValueError, match="not a"):
        denoiser_load(tmp_path / "dae.pt")
    with pytest.raises(ValueError, match="not a"):
        dae_load(tmp_path / "unet.pt")
    payload = torch.load(tmp_path / "dae.pt", weights_only=True)
    payload["version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="version"):
        dae_load(tmp_path / "future.pt")
    assert np.isclose(checkpoint_read(tmp_path / "unet.pt")["config"]["width"], 8)
