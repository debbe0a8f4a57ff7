import numpy as np
import pytest
import torch

from apps.core.ml.config import ConfigError
from apps.denoise.ml.config import DenoiserConfig
from apps.denoise.ml.model import DenoiserNet, denoiser_build
from apps.denoise.ml.train import denoiser_train

torch.set_num_threads(1)


def _perturbed(channels: int = 1, width: int = 8, levels: int = 3) -> DenoiserNet:
    torch.manual_seed(0)
    net = DenoiserNet(channels, width, levels, 1)
    torch.nn.init.normal_(net.tail.weight, std=0.05)  # a fresh net is the identity; make it do something
    return net.eval()


@pytest.mark.parametrize("size", [(1, 1), (7, 9), (33, 65), (17, 8)])
@pytest.mark.parametrize("channels", [1, 3])
def test_model_keeps_odd_sizes(size, channels):
    net = _perturbed(channels)
    x = torch.rand(2, channels, *size)
    with torch.no_grad():
        y = net(x, torch.tensor([0.1, 0.2]))
    assert y.shape == x.shape
    assert not torch.allclose(y, x)


def test_fresh_model_is_identity_and_sigma_matters():
    net = DenoiserNet(1, 8, 2, 1).eval()
    x = torch.rand(1, 1, 20, 20)
    with torch.no_grad():
        assert torch.equal(net(x, 0.1), x)
        p = _perturbed(levels=2)
        assert not torch.allclose(p(x, 0.0), p(x, 0.3))
        assert torch.allclose(p(x, 0.2), p(x, torch.full((1, 1, 20, 20), 0.2)))


def test_model_refuses_wrong_channel_count():
    with pytest.raises(ValueError, match="1-channel"):
        DenoiserNet(1, 8, 2, 1)(torch.rand(1, 3, 16, 16), 0.1)


def _tiny_images(count: int = 3, size: int = 40) -> list[np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size]
    return [((np.sin(xx / (3 + i)) + np.cos(yy / (4 + i))) * 60 + 128).astype(np.uint8) for i in range(count)]


TINY = {"width": 8, "levels": 2, "convs": 1, "patch_size": 16, "batch_size": 8, "patches_per_epoch": 64,
        "val_patch_size": 32, "scales": [1.0], "lr": 3e-3}


def test_training_reduces_loss_and_reports_each_epoch():
    seen = []
    config = DenoiserConfig.from_dict({**TINY, "epochs": 6})
    result = denoiser_train(_tiny_images(), config, on_epoch=seen.append, val_images=_tiny_images(1, 32))
    assert [e["epoch"] for e in seen] == list(range(1, 7))
    assert set(seen[0]) >= {"epoch", "epochs", "loss", "psnr", "seconds"}
    assert seen[-1]["loss"] < seen[0]["loss"]
    assert result.metrics["psnr_val"] == seen[-1]["psnr"]
    model = result.model()
    assert isinstance(model, DenoiserNet) and model.config == config
    assert set(result.state) == set(denoiser_build(config).state_dict())


def test_training_can_be_cancelled_from_the_callback():
    class Cancelled(Exception):
        pass

    def on_epoch(entry):
        if entry["epoch"] == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        denoiser_train(_tiny_images(), DenoiserConfig.from_dict({**TINY, "epochs": 5}), on_epoch=on_epoch)


def test_training_refuses_images_smaller_than_a_patch():
    with pytest.raises(ValueError, match="16×16"):
        denoiser_train([np.zeros((10, 10), np.uint8)], DenoiserConfig.from_dict({**TINY, "epochs": 1}))


def test_config_from_dict_validates_and_names_the_key():
    config = DenoiserConfig.from_dict({"width": "32", "scales": "1,0.8", "max_seconds": None, "lr": 0.002})
    assert config.width == 32 and config.scales == (1.0, 0.8) and config.lr == 0.002
    assert DenoiserConfig.from_dict(config.to_dict()) == config
    for bad, key in [({"width": 2}, "width"), ({"channels": 2}, "channels"), ({"patch_size": 50}, "patch_size"),
                     ({"loss": "l3"}, "loss"), ({"epochs": 1.5}, "epochs"), ({"colour": 1}, "colour"),
                     ({"sigma_min": 80}, "sigma_min"), ({"lr": "fast"}, "lr"), ({"scales": []}, "scales")]:
        with pytest.raises(ConfigError, match=f"^{key}:") as caught:
            DenoiserConfig.from_dict(bad)
        assert caught.value.field == key, bad
