import numpy as np
import pytest
import torch

from apps.core.ml.tiles import tiles_plan
from apps.denoise.ml.checkpoint import denoiser_load, denoiser_save
from apps.denoise.ml.config import DenoiserConfig
from apps.denoise.ml.inference import image_denoise
from apps.denoise.ml.model import DenoiserNet, denoiser_build

torch.set_num_threads(1)


@pytest.fixture
def net() -> DenoiserNet:
    torch.manual_seed(0)
    model = DenoiserNet(1, 8, 3, 1)
    torch.nn.init.normal_(model.tail.weight, std=0.02)
    return model.eval()


def _image(shape, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    base = 0.5 + 0.3 * np.sin(xx / 7.0) * np.cos(yy / 11.0)
    if len(shape) == 3:
        base = np.stack([base * (0.8 + 0.1 * c) for c in range(shape[2])], axis=2)
    return np.clip(base + rng.normal(0, 0.08, shape), 0, 1).astype(np.float32)


def test_self_ensemble_is_the_mean_over_the_eight_symmetries(net):
    # A multiple of the net's alignment (no padding in any orientation), and mid-grey enough that no
    # pass is clipped to 0..1 (the mean of clipped passes is not the clipped mean).
    image = 0.25 + 0.5 * _image((40, 56))
    expected = np.zeros_like(image)
    for turns in range(4):
        for flip in (False, True):
            view = np.rot90(image, turns)
            view = view[:, ::-1] if flip else view
            out = image_denoise(net, np.ascontiguousarray(view), 25, tile=None)
            out = out[:, ::-1] if flip else out
            expected += np.rot90(out, -turns)
    expected /= 8
    ensembled = image_denoise(net, image, 25, tile=None, self_ensemble=True)
    assert np.abs(ensembled - expected).max() < 1e-5
    # the net is not equivariant, so the mean is a different (smoother) estimate than one pass
    assert np.abs(ensembled - image_denoise(net, image, 25, tile=None)).mean() > 1e-4
    # and tiles of any shape blend to the same image away from the tile seams' rounding
    tiled = image_denoise(net, image, 25, tile=32, overlap=16, self_ensemble=True)
    assert np.abs(tiled - ensembled)[8:-8, 8:-8].mean() < 0.02


def test_tile_weights_cover_every_pixel():
    plan = tiles_plan(136, 200, 64, 16, 8)
    total = np.zeros((136, 200))
    for top, left, weight in plan:
        assert top % 8 == 0 and left % 8 == 0 and weight.shape == (64, 64)
        total[top : top + 64, left : left + 64] += weight
    assert total.min() > 0.01
    # away from overlaps each pixel belongs to one tile at full weight
    assert np.isclose(total[:40, :40], 1.0).all()


def test_tiling_matches_whole_image_away_from_borders(net):
    image = _image((150, 203))
    whole = image_denoise(net, image, 25, tile=None)
    tiled = image_denoise(net, image, 25, tile=96, overlap=48)
    change = np.abs(whole - image)[16:-16, 16:-16].mean()
    diff = np.abs(tiled - whole)[16:-16, 16:-16]
    assert change > 0.01  # the net does change the image, so agreement means something
    # tiles see less context than the whole image near their edges; blending keeps that small
    assert diff.mean() < 0.03 * change
    assert diff.max() < 0.03  # 0..1 scale: under 8 grey levels anywhere, no visible seam
    # butting tiles without overlap shows seams: the same checks fail there
    plain = np.abs(image_denoise(net, image, 25, tile=96, overlap=0) - whole)[16:-16, 16:-16]
    assert plain.mean() > 0.03 * change and plain.max() > 0.03


def test_denoise_keeps_shape_dtype_and_alpha(net):
    rng = np.random.default_rng(1)
    for shape in [(31, 45), (31, 45, 3), (20, 13, 4), (9, 11, 2), (5, 7, 1)]:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        out = image_denoise(net, image, 30, tile=16, overlap=8)
        assert out.shape == image.shape and out.dtype == np.uint8
        if shape[-1] in (2, 4) and len(shape) == 3:
            assert np.array_equal(out[..., -1], image[..., -1])
    floats = image_denoise(net, _image((40, 40)).astype(np.float64), None)
    assert floats.dtype == np.float64 and 0 <= floats.min() and floats.max() <= 1


def test_grayscale_model_on_rgb_round_trips_the_colour_transform(net):
    rgb = _image((48, 56, 3))
    identity = DenoiserNet(1, 8, 3, 1).eval()  # a fresh net predicts no noise
    assert np.abs(image_denoise(identity, rgb, 20) - rgb).max() < 1e-5
    uint8 = (rgb * 255).astype(np.uint8)
    assert np.array_equal(image_denoise(identity, uint8, 20), uint8)
    assert np.abs(image_denoise(net, rgb, 20) - rgb).mean() > 0.01


def test_rgb_model_and_progress(net):
    rgb_net = DenoiserNet(3, 8, 3, 1).eval()
    seen: list[float] = []
    out = image_denoise(rgb_net, _image((70, 90)), 15, tile=32, overlap=8, batch=3, progress=seen.append)
    assert out.shape == (70, 90)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 1


def test_checkpoint_round_trip(tmp_path, net):
    config = DenoiserConfig(width=8, levels=3, convs=1)
    model = denoiser_build(config)
    model.load_state_dict(net.state_dict())
    path = denoiser_save(tmp_path / "m" / "denoiser.pt", model, config, metrics={"psnr_val": 30.0})
    assert [p.name for p in path.parent.iterdir()] == ["denoiser.pt"]
    loaded = denoiser_load(path, "cpu")
    image = _image((40, 40))
    assert loaded.config == config and loaded.metrics == {"psnr_val": 30.0} and not loaded.training
    assert np.array_equal(image_denoise(loaded, image, 25), image_denoise(model, image, 25))
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(Exception):  # noqa: B017 - torch raises its own unpickling error types
        denoiser_load(tmp_path / "bad.pt")
    torch.save({"format": "other"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a aeweb-denoiser checkpoint"):
        denoiser_load(tmp_path / "other.pt")
