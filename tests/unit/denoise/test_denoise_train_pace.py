"""The training loop at a device's pace: loss read every log_every steps, precision choices, lr scaling."""

import math

import numpy as np
import pytest
import torch

from apps.core.ml.config import ConfigError
from apps.denoise.ml import train as train_module
from apps.denoise.ml.config import DenoiserConfig
from apps.denoise.ml.train import TrainStep, denoiser_train, train_precision

torch.set_num_threads(1)

TINY = {"width": 8, "levels": 2, "convs": 1, "patch_size": 16, "batch_size": 8, "patches_per_epoch": 64,
        "val_patch_size": 32, "scales": [1.0], "lr": 3e-3}  # fmt: skip


def _images(count: int = 3, size: int = 40) -> list[np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size]
    return [((np.sin(xx / (3 + i)) + np.cos(yy / (4 + i))) * 60 + 128).astype(np.uint8) for i in range(count)]


def _train(on_log=None, initial_state=None, **settings):
    config = DenoiserConfig.from_dict({**TINY, **settings})
    history = []
    val = _images(1, 32)
    result = denoiser_train(
        _images(), config, on_epoch=history.append, on_log=on_log, val_images=val, initial_state=initial_state
    )
    return result, history


def test_the_loss_is_logged_every_log_every_steps_across_epochs():
    logs = []
    result, _ = _train(logs.append, epochs=3, log_every=5)  # 8 steps an epoch, 24 in all
    assert [e["step"] for e in logs] == [5, 10, 15, 20]
    assert [e["epoch"] for e in logs] == [1, 2, 2, 3]
    assert all(e["steps"] == 24 and e["epochs"] == 3 for e in logs)
    assert all(math.isfinite(e["loss"]) and e["loss"] > 0 and e["lr"] > 0 for e in logs)
    assert result.metrics["steps"] == 24


def test_logged_losses_are_the_step_losses_the_epoch_loss_averages():
    logs = []
    _, history = _train(logs.append, epochs=2, log_every=1)
    for entry in history:
        steps = [e["loss"] for e in logs if e["epoch"] == entry["epoch"]]
        assert len(steps) == 8
        assert entry["loss"] == pytest.approx(np.mean(steps), rel=1e-5)


def test_a_short_training_lowers_the_logged_loss():
    logs = []
    _train(logs.append, epochs=6, log_every=8)
    assert logs[-1]["loss"] < 0.85 * logs[0]["loss"]


def test_training_can_be_cancelled_between_epochs_from_on_log():
    class Cancelled(Exception):
        pass

    def on_log(entry):
        if entry["step"] == 4:
            raise Cancelled

    with pytest.raises(Cancelled):
        _train(on_log, epochs=2, log_every=2)


def test_same_seed_same_model():
    a, _ = _train(epochs=1)
    b, _ = _train(epochs=1)
    c, _ = _train(epochs=1, seed=1)
    assert all(torch.equal(a.state[k], b.state[k]) for k in a.state)
    assert not all(torch.equal(a.state[k], c.state[k]) for k in a.state)


def test_a_run_continues_from_earlier_weights():
    """initial_state: two short runs add up, starting where the first stopped (fp16 shipped weights too)."""
    first, first_history = _train(epochs=3)
    fp16 = {k: v.half() if v.is_floating_point() else v for k, v in first.state.items()}
    tiny_lr = {"lr": 1e-7, "lr_min": 0.0}
    continued, history = _train(epochs=1, seed=1, initial_state=fp16, **tiny_lr)
    fresh, _ = _train(epochs=1, seed=1, **tiny_lr)
    assert all(torch.allclose(continued.state[k].float(), fp16[k].float(), atol=1e-3) for k in fp16)
    assert not all(torch.allclose(fresh.state[k].float(), fp16[k].float(), atol=1e-3) for k in fp16)
    assert abs(history[0]["psnr"] - first_history[-1]["psnr"]) < 0.05  # it denoises as the first run ended


def test_the_cpu_path_selects_no_autocast_and_no_channels_last():
    config = DenoiserConfig()
    assert (config.amp, config.channels_last) == ("auto", "auto")
    assert train_precision(config, "cpu") == (None, False)
    assert train_precision(config, torch.device("cuda")) == (torch.bfloat16, True)  # no GPU needed to decide
    forced = DenoiserConfig(amp="bf16", channels_last="on")
    assert train_precision(forced, "cuda") == (torch.bfloat16, True)
    off = DenoiserConfig(amp="off", channels_last="off")
    assert train_precision(off, "cuda") == (None, False)


def test_the_cpu_train_step_runs_in_fp32():
    from apps.denoise.ml.model import denoiser_build

    config = DenoiserConfig.from_dict(TINY)
    step = TrainStep(denoiser_build(config), config, "cpu")
    seen = []
    step.model.head.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    x = torch.rand(2, 1, 16, 16)
    loss = step(x, x + 0.1 * torch.randn_like(x), torch.full((2,), 0.1))
    assert step.autocast is None and seen == [torch.float32] and loss.dtype == torch.float32


@pytest.mark.parametrize("native", [True, False])
def test_bf16_forced_on_cpu_is_used_only_where_the_cpu_has_it(monkeypatch, native):
    # Emulated bf16 is slow, not wrong, so "native" can be pretended on any CPU for the test's tiny net.
    monkeypatch.setattr(train_module, "cpu_bf16_native", lambda: native)
    forced = DenoiserConfig(amp="bf16", channels_last="on")
    assert train_precision(forced, "cpu") == ((torch.bfloat16 if native else None), True)
    logs = []
    result, _ = _train(logs.append, epochs=4, log_every=8, amp="bf16", channels_last="on")
    assert logs[-1]["loss"] < logs[0]["loss"]
    assert all(v.dtype == torch.float32 for v in result.state.values())  # weights stay fp32
    if native:
        assert "trained with bf16 autocast and channels_last" in result.notes
    else:
        assert result.notes[:2] == [
            "trained with channels_last",
            "trained in fp32, not bf16 as configured: this CPU has no native bf16",
        ]


@pytest.mark.parametrize(("scaling", "factor"), [("none", 1.0), ("linear", 4.0), ("sqrt", 2.0)])
def test_lr_scales_with_the_batch_by_the_chosen_rule(scaling, factor):
    config = DenoiserConfig(batch_size=256, lr=1e-3, lr_min=1e-5, lr_scaling=scaling, lr_batch=64)
    lr, lr_min = config.lr_scaled()
    assert lr == pytest.approx(1e-3 * factor) and lr_min == pytest.approx(1e-5 * factor)


def test_the_scaled_lr_is_what_training_starts_from():
    _, history = _train(epochs=1, batch_size=32, lr=1e-3, lr_min=1e-3, lr_scaling="linear", lr_batch=8)
    assert history[0]["lr"] == pytest.approx(4e-3)


@pytest.mark.parametrize(
    ("bad", "key"),
    [({"log_every": 0}, "log_every"), ({"amp": "fp16"}, "amp"), ({"channels_last": "yes"}, "channels_last"),
     ({"lr_scaling": "cubic"}, "lr_scaling"), ({"lr_batch": 0}, "lr_batch"),
     ({"lr": 0.5, "batch_size": 256, "lr_batch": 1, "lr_scaling": "linear"}, "lr")],
)  # fmt: skip
def test_pace_settings_are_checked(bad, key):
    with pytest.raises(ConfigError) as caught:
        DenoiserConfig.from_dict(bad)
    assert caught.value.field == key


def test_configs_saved_before_the_pace_settings_still_load():
    old = {k: v for k, v in DenoiserConfig().to_dict().items()
           if k not in ("log_every", "amp", "channels_last", "lr_scaling", "lr_batch")}  # fmt: skip
    config = DenoiserConfig.from_dict(old)
    assert config.lr_scaled() == (config.lr, config.lr_min)


def test_the_sigma_weighted_loss_weighs_each_patch_by_one_over_its_noise_level():
    from apps.denoise.ml.model import denoiser_build

    config = DenoiserConfig.from_dict({**TINY, "loss_weight": "sigma"})
    step = TrainStep(denoiser_build(config), config, "cpu")
    clean = torch.zeros(3, 1, 4, 4)
    out = torch.stack([torch.full((1, 4, 4), e) for e in (0.1, 0.2, 0.3)])  # patch MSEs 0.01, 0.04, 0.09
    sigma = torch.tensor([0.0, 10.0, 40.0]) / 255.0  # the first is floored at 5
    weight = np.array([255 / 5, 255 / 10, 255 / 40])
    expected = (weight * np.array([0.01, 0.04, 0.09])).sum() / weight.sum()
    assert float(step.loss(out, clean, sigma)) == pytest.approx(expected, rel=1e-5)
    # the plain mean would be 0.0467; the weighting pulls the loss toward the lightly noised patches
    assert expected < 0.04


def test_the_plain_loss_is_the_mean_whatever_the_noise_levels():
    from apps.denoise.ml.model import denoiser_build

    config = DenoiserConfig.from_dict(TINY)
    step = TrainStep(denoiser_build(config), config, "cpu")
    out, clean = torch.rand(3, 1, 4, 4), torch.rand(3, 1, 4, 4)
    loss = step.loss(out, clean, torch.tensor([0.0, 0.1, 0.3]))
    assert float(loss) == pytest.approx(float(((out - clean) ** 2).mean()), rel=1e-6)


def test_sigma_weighted_training_learns_and_unknown_weightings_are_refused():
    logs = []
    _train(logs.append, epochs=4, log_every=8, loss_weight="sigma")
    assert logs[-1]["loss"] < logs[0]["loss"]
    with pytest.raises(ConfigError) as caught:
        DenoiserConfig.from_dict({"loss_weight": "psnr"})
    assert caught.value.field == "loss_weight"


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
def test_cuda_sampler_is_reproducible_and_stays_on_the_device():
    from apps.denoise.ml.patches import DevicePatchSampler

    images = [np.random.default_rng(i).random((40, 52, 1), dtype=np.float32) for i in range(3)]
    a, b = (DevicePatchSampler(images, 16, device="cuda", seed=3) for _ in range(2))
    batch_a, batch_b = a.batch(64, 0.0, 0.3), b.batch(64, 0.0, 0.3)
    assert all(t.device.type == "cuda" for t in batch_a)
    assert all(torch.equal(x, y) for x, y in zip(batch_a, batch_b, strict=True))


@cuda
def test_cuda_training_uses_bf16_and_learns():
    logs = []
    config = DenoiserConfig.from_dict({**TINY, "epochs": 6, "log_every": 8})
    result = denoiser_train(_images(), config, device="cuda", on_log=logs.append, val_images=_images(1, 32))
    assert "trained with bf16 autocast and channels_last" in result.notes
    assert logs[-1]["loss"] < logs[0]["loss"]
    assert all(v.device.type == "cpu" and v.dtype == torch.float32 for v in result.state.values())
