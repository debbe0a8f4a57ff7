"""apps.core.ml.checkpoint: torch checkpoints with their metadata, written atomically, read safely."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from apps.core.ml.checkpoint import checkpoint_load, checkpoint_save
from apps.core.ml.config import Config


@dataclass(frozen=True)
class Tiny(Config):
    width: int = 3
    scales: tuple[float, ...] = (1.0, 0.5)


def test_round_trip_with_metadata(tmp_path):
    torch.manual_seed(0)
    net = nn.Linear(3, 2)
    path = checkpoint_save(
        tmp_path / "m" / "model.pt",
        fmt="test-net",
        state=net,
        config=Tiny(),
        metrics={"loss": 0.5},
        history=[{"epoch": 1, "loss": 0.7}],
        extra={"note": "hello"},
    )
    assert path == tmp_path / "m" / "model.pt" and os.listdir(path.parent) == ["model.pt"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    payload = checkpoint_load(path, fmt="test-net")
    assert payload["format"] == "test-net" and payload["version"] == 1
    assert payload["config"] == {"width": 3, "scales": [1.0, 0.5]}  # to_dict: JSON, not a tuple
    assert Tiny.from_dict(payload["config"]) == Tiny()
    assert payload["metrics"] == {"loss": 0.5} and payload["history"] == [{"epoch": 1, "loss": 0.7}]
    assert payload["note"] == "hello"
    assert set(payload["state"]) == {"weight", "bias"}
    for key, value in net.state_dict().items():
        saved = payload["state"][key]
        assert torch.equal(saved, value) and saved.device.type == "cpu" and not saved.requires_grad
    loaded = nn.Linear(3, 2)
    loaded.load_state_dict(payload["state"])
    x = torch.randn(4, 3)
    torch.testing.assert_close(loaded(x), net(x))


def test_state_dict_and_plain_config_with_a_version(tmp_path):
    state = {"w": torch.ones(2, requires_grad=True) * 2}  # a non-leaf tensor with a graph
    path = checkpoint_save(tmp_path / "s.pt", fmt="plain", state=state, config={"a": 1}, version=3)
    payload = checkpoint_load(path, fmt="plain", version=3)
    assert payload["config"] == {"a": 1} and payload["metrics"] == {} and payload["history"] == []
    assert torch.equal(payload["state"]["w"], torch.full((2,), 2.0)) and not payload["state"]["w"].requires_grad


def test_wrong_format_and_version_are_refused(tmp_path):
    path = checkpoint_save(tmp_path / "a.pt", fmt="fmt-a", state={}, config={})
    with pytest.raises(ValueError, match=r"a\.pt: not a fmt-b checkpoint$"):
        checkpoint_load(path, fmt="fmt-b")
    with pytest.raises(ValueError, match="checkpoint version 1 is not supported"):
        checkpoint_load(path, fmt="fmt-a", version=2)
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not a fmt-a checkpoint"):
        checkpoint_load(tmp_path / "list.pt", fmt="fmt-a")


def test_pickled_code_is_not_run(tmp_path):
    torch.save({"format": "fmt", "version": 1, "obj": Tiny()}, tmp_path / "code.pt")
    with pytest.raises(Exception, match="[Ww]eights only"):
        checkpoint_load(tmp_path / "code.pt", fmt="fmt")


def test_extra_cannot_replace_own_keys_and_a_failed_save_keeps_the_old_file(tmp_path):
    path = checkpoint_save(tmp_path / "m.pt", fmt="fmt", state={}, config={}, metrics={"v": 1})
    with pytest.raises(ValueError, match="state"):
        checkpoint_save(path, fmt="fmt", state={}, config={}, extra={"state": {}})
    with pytest.raises(AttributeError):
        checkpoint_save(path, fmt="fmt", state={"w": "not a tensor"}, config={})
    assert checkpoint_load(path, fmt="fmt")["metrics"] == {"v": 1} and os.listdir(tmp_path) == ["m.pt"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_weights_are_saved_on_cpu(tmp_path):
    net = nn.Linear(3, 2).cuda()
    payload = checkpoint_load(checkpoint_save(tmp_path / "g.pt", fmt="g", state=net, config={}), fmt="g")
    assert all(v.device.type == "cpu" for v in payload["state"].values())
