"""The colour (chroma) net of a grayscale denoiser: built from it, trained alone, saved with it."""

import numpy as np
import pytest
import torch

from apps.core.errors import InvalidInput
from apps.core.ml.config import ConfigError
from apps.core.ml.photos import samples_load
from apps.denoise.ml.checkpoint import denoiser_load, denoiser_save
from apps.denoise.ml.chroma import chroma_train
from apps.denoise.ml.config import DenoiserConfig
from apps.denoise.ml.inference import OPP_OFFSET, OPP_SCALE, OPPONENT, image_denoise
from apps.denoise.ml.model import DenoiserNet, chroma_from_gray, denoiser_build
from apps.denoise.ml.train import denoiser_train
from apps.denoise.training_config import config_check

torch.set_num_threads(1)

TINY = {"width": 8, "levels": 2, "convs": 1, "patch_size": 16, "batch_size": 8, "patches_per_epoch": 64,
        "val_patch_size": 32, "scales": [1.0], "lr": 3e-3}  # fmt: skip


def _gray_net() -> DenoiserNet:
    torch.manual_seed(0)
    net = denoiser_build(DenoiserConfig.from_dict(TINY))
    torch.nn.init.normal_(net.tail.weight, std=0.05)  # a fresh net is the identity; make it do something
    return net.eval()


def _photos() -> list[np.ndarray]:
    """Crops of the bundled colour samples (real photos: chroma edges that follow the luminance's)."""
    return [image[100:164, 100:196] for image in samples_load(mode="RGB").images if image.ndim == 3]


def _noisy(image: np.ndarray, sigma: float = 25.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (image / 255.0 + rng.normal(0, sigma / 255.0, image.shape)).astype(np.float32)


def test_a_chroma_net_made_from_the_gray_one_denoises_colour_exactly_as_it_did():
    gray = _gray_net()
    noisy = _noisy(_photos()[0])
    before = {e: image_denoise(gray, noisy, 25, tile=32, overlap=8, batch=3, self_ensemble=e) for e in (False, True)}
    gray.chroma = chroma_from_gray(gray)
    with torch.no_grad():
        x, guide = torch.rand(2, 1, 24, 24), torch.rand(2, 2, 24, 24)
        assert torch.equal(gray.chroma(x, 0.1, guide), gray(x, 0.1))  # the guides' weights start at zero
    for ensemble, out in before.items():
        assert np.array_equal(image_denoise(gray, noisy, 25, tile=32, overlap=8, batch=3, self_ensemble=ensemble), out)
    with pytest.raises(ValueError, match="reads 2 guide planes"):
        gray.chroma(x, 0.1)
    with pytest.raises(ValueError, match="reads 0 guide planes"):
        gray(x, 0.1, guide)
    with pytest.raises(ValueError, match="grayscale net without guides"):
        chroma_from_gray(gray.chroma)


def test_the_chroma_net_reads_its_guides_at_inference():
    gray = _gray_net()
    gray.chroma = chroma_from_gray(gray)
    photo = _photos()[0]
    noisy = _noisy(photo)
    plain = image_denoise(gray, noisy, 25, tile=None)
    torch.nn.init.normal_(gray.chroma.head[0].weight[:, 4:12], std=0.3)  # let the guides count
    guided = image_denoise(gray, noisy, 25, tile=None)
    assert np.abs(guided - plain).mean() > 1e-3
    # by hand: the luminance by the grayscale net, then each chroma plane reading it (denoised) and
    # the other chroma plane (noisy), in the opponent planes the model sees
    opp = torch.from_numpy(np.moveaxis(noisy @ OPPONENT.T * OPP_SCALE + OPP_OFFSET, 2, 0)[:, None].copy())
    sigmas = [25 / 255 * k for k in OPP_SCALE]
    with torch.no_grad():
        luma = gray(opp[0:1], sigmas[0])
        c1 = gray.chroma(opp[1:2], sigmas[1], torch.cat([luma, opp[2:3]], 1))
        c2 = gray.chroma(opp[2:3], sigmas[2], torch.cat([luma, opp[1:2]], 1))
    planes = torch.cat([luma, c1, c2])[:, 0].numpy()
    by_hand = np.clip(((np.moveaxis(planes, 0, 2) - OPP_OFFSET) / OPP_SCALE) @ OPPONENT, 0, 1)
    assert np.abs(by_hand - guided).max() < 1e-5
    # the guides are the other planes: the tiled, batched path cuts them with the same tiles
    seen: list[float] = []
    tiled = image_denoise(gray, noisy, 25, tile=32, overlap=16, batch=5, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and any(abs(f - 1 / 3) < 1e-9 for f in seen)  # luminance: a third
    assert np.abs(tiled - guided)[8:-8, 8:-8].mean() < 0.1 * np.abs(guided - noisy).mean()
    # grayscale images never reach the chroma net
    luma = noisy.mean(axis=2)
    gray.chroma = None
    alone = image_denoise(gray, luma, 25, tile=None)
    gray.chroma = chroma_from_gray(gray)
    assert np.array_equal(image_denoise(gray, luma, 25, tile=None), alone)


def test_chroma_training_moves_only_the_chroma_net_and_saves_with_the_model(tmp_path):
    gray = _gray_net()
    state = {k: v.clone() for k, v in gray.state_dict().items()}
    config = DenoiserConfig.from_dict({**TINY, "epochs": 3, "chroma": True})
    photos = _photos()
    seen = []
    result = chroma_train(photos[:-1], config, state, val_images=photos[-1:], on_epoch=seen.append)
    assert [e["epoch"] for e in seen] == [1, 2, 3]
    m = result.metrics
    assert m["steps"] == 3 * 8 and m["chroma_parameters"] * 2 > m["parameters"] > m["chroma_parameters"]
    assert {f"psnr_val_start_sigma{s}" for s in (15, 25, 50)} <= set(m)
    # the grayscale net is untouched; the chroma net learnt to read its guides
    for key, value in state.items():
        assert torch.equal(result.state[key], value), key
    assert result.state["chroma.head.0.weight"][:, 4:12].abs().max() > 0
    # saved and loaded, the model carries its chroma net and denoises colour as trained
    path = denoiser_save(tmp_path / "chroma.pt", result.state, config, metrics=m)
    loaded = denoiser_load(path)
    assert loaded.chroma is not None and loaded.config.chroma
    noisy = _noisy(photos[0])
    assert np.array_equal(image_denoise(loaded, noisy, 25), image_denoise(result.model(), noisy, 25))
    gray_out = image_denoise(gray, noisy, 25)
    assert np.abs(image_denoise(loaded, noisy, 25) - gray_out).mean() > 1e-4
    # training again continues the chroma net it was given
    again = chroma_train(photos[:-1], config, result.state, val_images=photos[-1:])
    start = {s: again.metrics[f"psnr_val_start_sigma{s}"] for s in (15, 25, 50)}
    assert start == {s: m[f"psnr_val_sigma{s}"] for s in (15, 25, 50)}


def test_chroma_training_refuses_what_it_cannot_train():
    state = _gray_net().state_dict()
    photos = _photos()
    plain = DenoiserConfig.from_dict(TINY)
    with pytest.raises(ValueError, match="chroma=True"):
        chroma_train(photos, plain, state, val_images=photos)
    wider = DenoiserConfig.from_dict({**TINY, "width": 16, "chroma": True})
    with pytest.raises(ValueError, match="not a grayscale denoiser of this config"):
        chroma_train(photos, wider, state, val_images=photos)
    with pytest.raises(ValueError, match="colour training and validation images"):
        chroma_train(photos, DenoiserConfig.from_dict({**TINY, "chroma": True}), state, val_images=[])
    with pytest.raises(ValueError, match="chroma net is chroma.chroma_train's"):
        denoiser_train(photos, DenoiserConfig.from_dict({**TINY, "chroma": True}))
    with pytest.raises(ConfigError, match="chroma"):
        DenoiserConfig.from_dict({**TINY, "channels": 3, "chroma": True})
    # a training job cannot ask for one: it has no colour photos to learn from
    with pytest.raises(InvalidInput, match="benchmarks.denoise_train --chroma"):
        config_check("train400", "unet", {"chroma": True})
