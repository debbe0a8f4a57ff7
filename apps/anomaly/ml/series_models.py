"""The sequence-to-sequence (recurrent) autoencoder for time-series anomalies (workers only: imports torch).

The series is z-normalised with the statistics of its training part and cut into sliding windows of
length m (the series' period by default, `window_choose`). The encoder (GRU or LSTM) reads a window into
its last hidden state, squeezes it through a small code, and the decoder (the same cell) unrolls the code
back into the window, emitting it in reverse order (Sutskever et al. 2014; Malhotra et al. 2016's
EncDec-AD: the last points read are the first rebuilt). The "conv" variant does the same with 1-D
convolutions. Trained on normal data (the known-normal prefix when `train_end` is given, else the whole
series with the worst-rebuilt windows of each batch left out of the loss, since some of it is anomalous),
it rebuilds normal shapes well and anomalous ones badly.

Scores: higher = more anomalous (PyOD's `decision_function` sense, not scikit-learn's `score_samples`
sign). A point's score is the mean of its own squared reconstruction errors over every window that holds
it (`series_windows.windows_to_points`, the same alignment the baselines use).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from .series_windows import series_normalise, window_choose, windows_make, windows_to_points

MODELS = ("gru", "lstm", "conv")
EPOCHS_DEFAULT = 40  # the cap when no `epochs` is given; the time budget usually stops training first
OPTIONS_DEFAULT: dict[str, Any] = {
    "hidden": 64,  # recurrent state / conv channels
    "code": 8,  # the bottleneck: small, so the network cannot learn to copy anomalies through
    "lr": 2e-3,
    "batch_size": 128,
    "max_windows": 4096,  # training windows per epoch (strided evenly over the training part)
    "trim": 0.05,  # unsupervised fits: share of each batch's worst windows left out of the loss
    "window_factor": 1.0,  # window = factor × the detected period when no window is given
    "max_steps": 32,  # recurrent steps per window: longer windows are read in patches of several points
    "window_norm": False,  # z-normalise every window on its own (shape only, as the matrix profile compares)
}


def _rows_normalise(rows: torch.Tensor, enabled: bool) -> torch.Tensor:
    if not enabled:
        return rows
    return (rows - rows.mean(dim=1, keepdim=True)) / rows.std(dim=1, keepdim=True).clamp_min(1e-3)


EpochCallback = Callable[[int, float, float], None]


class RecurrentAutoencoder(nn.Module):
    """Encoder RNN → code → decoder RNN fed the code at every step; the window comes back reversed."""

    def __init__(self, cell: str, window: int, hidden: int, code: int, patch: int = 1) -> None:
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.cell = cell
        self.window = window
        self.patch = patch
        self.encoder = rnn(patch, hidden, batch_first=True)
        self.to_code = nn.Linear(hidden, code)
        self.from_code = nn.Linear(code, hidden)
        self.decoder = rnn(code, hidden, batch_first=True)
        self.output = nn.Linear(hidden, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # B × m → B × m
        # A step reads `patch` consecutive points: a 300-point window is 38 steps of 8, which the recurrent
        # cells learn in seconds on a CPU (300 steps of one point did not learn within a minute).
        steps_in = x.view(x.shape[0], -1, self.patch)
        _, state = self.encoder(steps_in)
        last = state[0] if self.cell == "lstm" else state
        code = torch.tanh(self.to_code(last[-1]))
        start = torch.tanh(self.from_code(code)).unsqueeze(0)
        steps = code.unsqueeze(1).expand(-1, steps_in.shape[1], -1)
        # Feeding the code (not the previous output) keeps the decoder one fused RNN call, and gives it no
        # access to the real values, so it cannot copy an anomaly through.
        out, _ = self.decoder(steps, (start, torch.zeros_like(start)) if self.cell == "lstm" else start)
        return self.output(out).flip(1).reshape(x.shape)


class ConvAutoencoder(nn.Module):
    """1-D convolutions down to a code and back (the "conv" variant)."""

    def __init__(self, window: int, hidden: int, code: int) -> None:
        super().__init__()
        self.window = window
        reduced = math.ceil(window / 4)
        self.encoder = nn.Sequential(
            nn.Conv1d(1, hidden // 2, 5, padding=2), nn.ReLU(),
            nn.Conv1d(hidden // 2, hidden, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv1d(hidden, hidden, 5, stride=2, padding=2), nn.ReLU(),
            nn.Flatten(), nn.Linear(hidden * reduced, code),
        )  # fmt: skip
        self.decoder_in = nn.Linear(code, hidden * reduced)
        self.decoder = nn.Sequential(
            nn.ReLU(), nn.Upsample(size=math.ceil(window / 2)),
            nn.Conv1d(hidden, hidden, 5, padding=2), nn.ReLU(), nn.Upsample(size=window),
            nn.Conv1d(hidden, hidden // 2, 5, padding=2), nn.ReLU(),
            nn.Conv1d(hidden // 2, 1, 5, padding=2),
        )  # fmt: skip
        self.reduced = reduced
        self.hidden = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = self.encoder(x.unsqueeze(1))
        return self.decoder(self.decoder_in(code).view(-1, self.hidden, self.reduced)).squeeze(1)


def patch_size(window: int, max_steps: int) -> int:
    """Points per recurrent step so that a window takes at most `max_steps` steps."""
    return max(1, math.ceil(window / max_steps))


def network_build(cell: str, window: int, hidden: int, code: int, max_steps: int = 32) -> nn.Module:
    if cell not in MODELS:
        raise ValueError(f"unknown model {cell!r} (known: {', '.join(MODELS)})")
    if cell == "conv":
        return ConvAutoencoder(window, hidden, code)
    return RecurrentAutoencoder(cell, window, hidden, code, patch_size(window, max_steps))


def _errors_to_points(errors: np.ndarray, starts: np.ndarray, n: int, window: int) -> np.ndarray:
    """Mean per-position error of every scored window holding each point (starts may be strided)."""
    if starts.size == n - window + 1:
        return windows_to_points(errors, n, window)
    total = np.zeros(n)
    count = np.zeros(n)
    for offset in range(window):
        np.add.at(total, starts + offset, errors[:, offset])
        np.add.at(count, starts + offset, 1.0)
    return total / np.maximum(count, 1.0)


class Seq2SeqAutoencoder:
    """Fit on a series (its normal prefix when `train_end` is given), score every point of any series."""

    def __init__(
        self,
        cell: str = "gru",
        *,
        window: int | None = None,
        seconds: float | None = 30.0,
        epochs: int | None = None,
        device: str | torch.device = "cpu",
        seed: int = 0,
        on_epoch: EpochCallback | None = None,
        **options: Any,
    ) -> None:
        if cell not in MODELS:
            raise ValueError(f"cell: unknown model {cell!r} (known: {', '.join(MODELS)})")
        unknown = sorted(set(options) - set(OPTIONS_DEFAULT))
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown option (known: {', '.join(sorted(OPTIONS_DEFAULT))})")
        self.cell = cell
        self.window = window
        self.seconds = seconds
        self.epochs = epochs
        self.device = device
        self.seed = seed
        self.on_epoch = on_epoch
        self.options = {**OPTIONS_DEFAULT, **options}

    # -- fitting ---------------------------------------------------------------------------------------------
    def fit(self, values: np.ndarray, train_end: int | None = None) -> Seq2SeqAutoencoder:
        started = time.perf_counter()
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1 or not np.all(np.isfinite(values)):
            raise ValueError("values must be a 1-D array of finite numbers")
        if train_end is not None and not 0 < train_end <= values.size:
            raise ValueError(f"train_end must be in 1..{values.size}")
        opts = self.options
        part_size = train_end or values.size
        window = self.window or max(3, round(window_choose(values) * float(opts["window_factor"])))
        window = int(min(window, max(3, part_size // 2)))
        if self.cell != "conv":  # a whole number of patches
            patch = patch_size(window, int(opts["max_steps"]))
            window = patch * max(1, window // patch)
        self.window_ = window
        z, self.mean_, self.std_ = series_normalise(values, train_end)
        part = z[:part_size]
        stride = max(1, math.ceil((part.size - self.window_ + 1) / int(opts["max_windows"])))
        device = torch.device(self.device)
        data = torch.from_numpy(np.ascontiguousarray(windows_make(part, self.window_, stride))).float().to(device)
        data = _rows_normalise(data, bool(opts["window_norm"]))

        with torch.random.fork_rng(devices=[]):  # seeded weights without touching the caller's RNG
            torch.manual_seed(self.seed)
            self.network_ = network_build(
                self.cell, self.window_, int(opts["hidden"]), int(opts["code"]), int(opts["max_steps"])
            ).to(device)
        optimizer = torch.optim.Adam(self.network_.parameters(), lr=float(opts["lr"]))
        order_gen = torch.Generator().manual_seed(self.seed)
        trim = float(opts["trim"]) if train_end is None else 0.0
        epochs = self.epochs or EPOCHS_DEFAULT
        batch_size = int(opts["batch_size"])
        self.history_: list[dict[str, float]] = []
        self.network_.train()
        out_of_time = False
        for epoch in range(1, epochs + 1):
            total, seen = 0.0, 0
            for idx in torch.randperm(data.shape[0], generator=order_gen).split(batch_size):
                batch = data[idx.to(device)]
                per_window = (self.network_(batch) - batch).pow(2).mean(dim=1)
                if trim > 0 and epoch > 1 and per_window.numel() > 4:
                    # Some windows of an unlabelled series are anomalous: learning them would teach the
                    # network to rebuild anomalies. Leave the batch's worst-rebuilt share out of the loss.
                    keep = per_window.numel() - max(1, int(trim * per_window.numel()))
                    per_window = per_window.topk(keep, largest=False).values
                loss = per_window.mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.network_.parameters(), 1.0)
                optimizer.step()
                total += float(loss.detach()) * idx.numel()
                seen += idx.numel()
                if self.seconds is not None and time.perf_counter() - started >= self.seconds:
                    out_of_time = True
                    break
            mean_loss = total / max(seen, 1)
            self.history_.append({"epoch": epoch, "loss": mean_loss})
            fraction = max(epoch / epochs, (time.perf_counter() - started) / self.seconds if self.seconds else 0.0)
            if self.on_epoch is not None:
                self.on_epoch(epoch, min(1.0, fraction), mean_loss)
            if out_of_time:
                break
        self.epochs_done_ = len(self.history_)
        self.stopped_by_time_ = out_of_time
        self.network_.eval()
        self.fit_seconds_ = time.perf_counter() - started
        self.train_scores_ = self.score_points(values[:part_size])
        return self

    # -- scoring ---------------------------------------------------------------------------------------------
    @torch.no_grad()
    def reconstruct_errors(self, values: np.ndarray, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(window starts, squared errors per window position) of the z-normalised series."""
        z = (np.asarray(values, dtype=np.float64) - self.mean_) / self.std_
        view = np.lib.stride_tricks.sliding_window_view(z, self.window_)
        starts = np.arange(0, view.shape[0], stride)
        if starts[-1] != view.shape[0] - 1:
            starts = np.append(starts, view.shape[0] - 1)
        device = next(self.network_.parameters()).device
        errors = np.empty((starts.size, self.window_), dtype=np.float64)
        chunk = 2048
        for begin in range(0, starts.size, chunk):
            rows = torch.from_numpy(np.ascontiguousarray(view[starts[begin : begin + chunk]])).float().to(device)
            rows = _rows_normalise(rows, bool(self.options["window_norm"]))
            errors[begin : begin + chunk] = (self.network_(rows) - rows).pow(2).cpu().numpy()
        return starts, errors

    def score_points(self, values: np.ndarray, stride: int = 1) -> np.ndarray:
        """One score per point (float64, finite, higher = more anomalous)."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1 or values.size < self.window_:
            raise ValueError(f"values must be a 1-D series of at least {self.window_} points (the window)")
        starts, errors = self.reconstruct_errors(values, stride)
        return _errors_to_points(errors, starts, values.size, self.window_)

    def reconstruct(self, values: np.ndarray) -> np.ndarray:
        """The series as the network rebuilds it (mean over the windows holding each point), original units."""
        z = (np.asarray(values, dtype=np.float64) - self.mean_) / self.std_
        view = np.lib.stride_tricks.sliding_window_view(z, self.window_)
        device = next(self.network_.parameters()).device
        rebuilt = np.empty(view.shape, dtype=np.float64)
        with torch.no_grad():
            for begin in range(0, view.shape[0], 2048):
                rows = torch.from_numpy(np.ascontiguousarray(view[begin : begin + 2048])).float().to(device)
                rebuilt[begin : begin + 2048] = self.network_(rows).cpu().numpy()
        return windows_to_points(rebuilt, z.size, self.window_) * self.std_ + self.mean_

    # -- persistence -----------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything needed to score again: plain values and CPU tensors (torch.load(weights_only=True) safe)."""
        return {
            "cell": self.cell,
            "window": self.window_,
            "seed": self.seed,
            "options": dict(self.options),
            "mean": self.mean_,
            "std": self.std_,
            "fit_seconds": self.fit_seconds_,
            "history": list(self.history_),
            "weights": {key: value.detach().cpu() for key, value in self.network_.state_dict().items()},
            "train_scores": torch.from_numpy(np.asarray(self.train_scores_, dtype=np.float64)),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], device: str | torch.device = "cpu") -> Seq2SeqAutoencoder:
        model = cls(state["cell"], window=int(state["window"]), seed=int(state["seed"]), device=device,
                    **state["options"])  # fmt: skip
        model.window_ = int(state["window"])
        model.mean_ = float(state["mean"])
        model.std_ = float(state["std"])
        model.fit_seconds_ = float(state["fit_seconds"])
        model.history_ = list(state["history"])
        options = model.options
        model.network_ = network_build(
            model.cell, model.window_, int(options["hidden"]), int(options["code"]), int(options["max_steps"])
        )
        model.network_.load_state_dict(state["weights"])
        model.network_.to(torch.device(device)).eval()
        model.train_scores_ = np.asarray(state["train_scores"].numpy(), dtype=np.float64)
        return model
