"""One-class image anomaly detectors: autoencoders trained on the images of one normal class (workers only: torch).

    detector = OneClassAutoencoder("conv", seconds=60, device="cpu").fit(normal_images)
    scores = detector.score_samples(test_images)  # float64 N, HIGHER = MORE ANOMALOUS
    maps = detector.error_maps(test_images)  # float32 N×28×28, heat maps on detector.error_scale_

Scores follow PyOD's `decision_function` sense (higher = more anomalous), NOT scikit-learn's
`score_samples` (higher = more normal): the name is kept so detectors and baselines swap in one line.

Models (MODELS):
- "conv": a small convolutional autoencoder with a batch-norm encoder, trained with squared error.
  Score: the squared reconstruction error after a 3×3 blur (`blurred_error`) plus `latent_weight` times
  the mean distance of the image's code to its `neighbours` nearest training codes, each part
  standardised on the training images. The code distance catches what the decoder happens to rebuild
  well (thin digits, plain garments). Several small networks can be averaged (`members`).
- "dae": the same network trained to rebuild clean images from masked ones (a denoising AE), same score.
- "vae": the shared conv VAE of apps.core.ml.vae, scored by its negative ELBO (Monte-Carlo with fixed noise).

Training: Adam, a cosine learning rate over the planned epochs. With `epochs` given the plan is fixed
(same seed → same weights, unless `seconds` runs out first); with `epochs=None` the plan is re-estimated
after every epoch from the time per epoch, so the cosine ends when the budget does.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from apps.core.ml.corruption import corrupt, denormals_flush
from apps.core.ml.image_pca import images_flat
from apps.core.ml.vae.bounds import bernoulli_nll, gaussian_kl
from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import ConvVae, randn, vae_build

MODELS = ("conv", "vae", "dae")
SIDE = 28
BATCH_SCORE = 1000
EPOCHS_MAX = 500  # an upper bound on the planned epochs when only a time budget is given
ERROR_PERCENTILE = 99.5  # heat maps saturate at this percentile of the training images' pixel errors
STATE_FORMAT = "aeweb-anomaly-images"

EpochCallback = Callable[[int, float, float], None]  # (epoch, fraction of training done, mean loss)

# Options of each model with their defaults; `OneClassAutoencoder(**options)` overrides them.
DEFAULTS: dict[str, dict[str, Any]] = {
    "conv": {"code": 32, "width": 32, "batch_size": 128, "lr": 2e-3, "lr_min": 1e-5, "members": 1,
             "latent_weight": 2.0, "neighbours": 5, "mask": 0.0},
    "dae": {"code": 32, "width": 32, "batch_size": 128, "lr": 2e-3, "lr_min": 1e-5, "members": 1,
            "latent_weight": 2.0, "neighbours": 5, "mask": 0.25},
    "vae": {"code": 16, "width": 32, "hidden": 256, "batch_size": 128, "lr": 2e-3, "lr_min": 1e-5, "members": 1,
            "samples": 4, "score": "elbo"},
}  # fmt: skip


class ConvAutoencoder(nn.Module):
    """28→14→7 stride-2 convolutions with batch norm, a Linear to the code; mirrored, Sigmoid output."""

    def __init__(self, code: int, width: int) -> None:
        super().__init__()
        w = width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.1),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.1),
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, code),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.Linear(code, 2 * w * 7 * 7), nn.LeakyReLU(0.1), nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.1),
            nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encoder(x)
        return self.decoder(code), code


def images_unit(images: np.ndarray) -> np.ndarray:
    """uint8 N×28×28 (or floats in [0, 1], N×28×28 or N×784) → float32 N×28×28 in [0, 1]."""
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == SIDE * SIDE:
        images = images.reshape(-1, SIDE, SIDE)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"images: expected N×{SIDE}×{SIDE}, got {images.shape}")
    return images_flat(images).reshape(-1, SIDE, SIDE)


def network_build(model: str, options: dict[str, Any], seed: int) -> nn.Module:
    """A freshly initialised network; its weights depend only on `seed` (the global RNG is left as it was)."""
    if model == "vae":
        config = VaeConfig(model="conv", latent_dim=options["code"], hidden=options["hidden"], width=options["width"],
                           seed=seed)  # fmt: skip
        return vae_build(config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ConvAutoencoder(options["code"], options["width"])


def _loss(model: str, net: nn.Module, x: torch.Tensor, noise_gen: torch.Generator, options: dict[str, Any]):
    if model == "vae":
        logits, mu, logvar = net(x, generator=noise_gen)
        return (bernoulli_nll(logits, x) + gaussian_kl(mu, logvar)).mean()
    x_in = corrupt(x, "mask", options["mask"], noise_gen) if options["mask"] > 0 else x
    out, _ = net(x_in)
    return (out - x).pow(2).flatten(1).sum(1).mean()


def network_train(
    model: str,
    data: torch.Tensor,
    options: dict[str, Any],
    *,
    seed: int,
    seconds: float | None,
    epochs: int | None,
    device: torch.device,
    on_epoch: EpochCallback | None = None,
    progress: tuple[float, float] = (0.0, 1.0),
) -> tuple[nn.Module, int]:
    """Train one network on `data` (float N×1×28×28 on `device`); returns (network in eval mode, epochs run).

    `progress` = (start, share) maps this network's fraction done into the caller's (ensembles)."""
    net = network_build(model, options, seed).to(device).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=options["lr"])
    order_gen = torch.Generator().manual_seed(seed)
    noise_gen = torch.Generator(device=device).manual_seed(seed + 1)
    count, batch = data.shape[0], int(options["batch_size"])
    planned = epochs if epochs is not None else EPOCHS_MAX
    started = batch_started = time.perf_counter()
    epoch = 0
    while epoch < planned:
        lr = options["lr_min"] + (options["lr"] - options["lr_min"]) * 0.5 * (1 + math.cos(math.pi * epoch / planned))
        for group in optimizer.param_groups:
            group["lr"] = lr
        order = torch.randperm(count, generator=order_gen).to(device)
        total, seen, out_of_time = 0.0, 0, False
        for start in range(0, count, batch):
            idx = order[start : start + batch]
            if idx.shape[0] < 2:  # batch norm cannot train on one image
                continue
            loss = _loss(model, net, data[idx], noise_gen, options)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * idx.shape[0]
            seen += idx.shape[0]
            now = time.perf_counter()
            # Stop when the next batch would end past the budget (the budget is a promise, not a start line).
            if seconds is not None and now - started + (now - batch_started) >= seconds:
                out_of_time = True
                break
            batch_started = now
        epoch += 1
        mean_loss = total / max(seen, 1)
        if not math.isfinite(mean_loss):
            raise FloatingPointError(f"training diverged at epoch {epoch} (loss {mean_loss}); try a lower lr")
        elapsed = time.perf_counter() - started
        if epochs is None and seconds is not None and not out_of_time:
            # Re-plan from the time per epoch so far: the cosine schedule ends when the budget does.
            planned = min(EPOCHS_MAX, max(epoch + 1, epoch + int((seconds - elapsed) / (elapsed / epoch))))
            planned = epoch if seconds - elapsed < 0.5 * elapsed / epoch else planned
        done = 1.0 if out_of_time or epoch >= planned else epoch / planned
        if on_epoch is not None:
            on_epoch(epoch, progress[0] + progress[1] * done, mean_loss)
        if out_of_time:
            break
    return net.eval(), epoch


class OneClassAutoencoder:
    """An autoencoder anomaly detector for images of one normal class (scikit-learn conventions, PyOD's sign)."""

    def __init__(
        self,
        model: str = "conv",
        *,
        seconds: float | None = 60.0,
        epochs: int | None = None,
        device: str | torch.device = "cpu",
        seed: int = 0,
        on_epoch: EpochCallback | None = None,
        **options: Any,
    ) -> None:
        if model not in MODELS:
            raise ValueError(f"model: {model!r} is not one of {', '.join(MODELS)}")
        unknown = set(options) - set(DEFAULTS[model])
        if unknown:
            raise ValueError(
                f"options: {', '.join(sorted(unknown))} not known for {model} ({', '.join(DEFAULTS[model])})"
            )
        if seconds is None and epochs is None:
            raise ValueError("seconds, epochs: give a time budget, a number of epochs, or both")
        self.model = model
        self.seconds = seconds
        self.epochs = epochs
        self.device = device
        self.seed = int(seed)
        self.on_epoch = on_epoch
        self.options = {**DEFAULTS[model], **options}

    # ---- fitting -------------------------------------------------------------------------------

    def fit(self, images: np.ndarray, y: Any = None) -> OneClassAutoencoder:
        """Train on normal images only (uint8 N×28×28 or floats in [0, 1]); returns self."""
        unit = images_unit(images)
        if unit.shape[0] < 2:
            raise ValueError("images: need at least two normal images")
        denormals_flush()
        device = torch.device(self.device)
        data = torch.from_numpy(unit).unsqueeze(1).to(device)
        members = int(self.options["members"])
        started = time.perf_counter()
        self.networks_: list[nn.Module] = []
        self.epochs_ = 0
        for m in range(members):
            # Each member gets an equal share of what is left of the budget.
            left = None if self.seconds is None else max(0.0, self.seconds - (time.perf_counter() - started))
            share = None if left is None else left / (members - m)
            net, run = network_train(
                self.model, data, self.options, seed=self.seed + 1000 * m, seconds=share, epochs=self.epochs,
                device=device, on_epoch=self.on_epoch, progress=(m / members, 1 / members),
            )  # fmt: skip
            self.networks_.append(net)
            self.epochs_ += run
        self.fit_seconds_ = time.perf_counter() - started
        self._calibrate(unit)
        return self

    def _calibrate(self, unit: np.ndarray) -> None:
        """What scoring needs from the training images: their codes, the parts' centre and scale, the heat-map range."""
        parts = self._parts(unit, calibrating=True)
        self.part_center_ = parts.mean(0)
        self.part_scale_ = parts.std(0) + 1e-12
        self.train_scores_ = self._combine(parts)
        maps = self.error_maps(unit)
        self.error_scale_ = float(max(np.percentile(maps, ERROR_PERCENTILE), 1e-6))

    # ---- scoring -------------------------------------------------------------------------------

    @torch.inference_mode()
    def _outputs(self, unit: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per member: per-pixel error maps (N×28×28) and codes (N×code; VAE: the KL per image as N×1)."""
        device = next(self.networks_[0].parameters()).device
        maps: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        for m, net in enumerate(self.networks_):
            member_maps, member_codes = [], []
            noise_gen = torch.Generator(device=device).manual_seed(self.seed + 1000 * m + 2)
            for start in range(0, unit.shape[0], BATCH_SCORE):
                x = torch.from_numpy(unit[start : start + BATCH_SCORE]).unsqueeze(1).to(device)
                if self.model == "vae":
                    pixel, kl = _vae_pixel_terms(net, x, int(self.options["samples"]), noise_gen)
                    member_maps.append(pixel.cpu().numpy())
                    entropy = _entropy(x).flatten(1).sum(1)
                    member_codes.append(torch.stack([kl, entropy], dim=1).cpu().numpy())
                else:
                    out, code = net(x)
                    member_maps.append(blurred_error(out, x)[:, 0].cpu().numpy())
                    member_codes.append(code.cpu().numpy())
            maps.append(np.concatenate(member_maps).astype(np.float32))
            codes.append(np.concatenate(member_codes).astype(np.float64))
        return maps, codes

    def _parts(self, unit: np.ndarray, *, calibrating: bool = False) -> np.ndarray:
        """N×(2·members) raw score parts: per member the reconstruction error and the code distance (VAE: the KL)."""
        maps, codes = self._outputs(unit)
        if calibrating and self.model != "vae":
            self.code_scale_ = [c.std(0) + 1e-9 for c in codes]
            self.train_codes_ = [
                (c / scale).astype(np.float32) for c, scale in zip(codes, self.code_scale_, strict=True)
            ]
        columns = []
        for m, (mp, code) in enumerate(zip(maps, codes, strict=True)):
            recon = mp.reshape(mp.shape[0], -1).sum(1).astype(np.float64)
            if self.model == "vae":
                # -ELBO: the cross-entropy includes the image's own entropy; "excess" leaves it out.
                columns.append(recon + (code[:, 1] if self.options["score"] == "elbo" else 0.0))
                columns.append(code[:, 0])
                continue
            columns.append(recon)
            standard = (code / self.code_scale_[m]).astype(np.float32)
            columns.append(knn_distance(standard, self.train_codes_[m], int(self.options["neighbours"]), calibrating))
        return np.stack(columns, axis=1)

    def _combine(self, parts: np.ndarray) -> np.ndarray:
        if self.model == "vae":
            # -ELBO = reconstruction nats + KL nats, averaged over the members.
            return parts.reshape(parts.shape[0], -1, 2).sum(2).mean(1)
        z = (parts - self.part_center_) / self.part_scale_
        weight = float(self.options["latent_weight"])
        z = z.reshape(z.shape[0], -1, 2)
        return (z[:, :, 0] + weight * z[:, :, 1]).mean(1)

    def score_samples(self, images: np.ndarray) -> np.ndarray:
        """Anomaly scores, float64 N: higher = more anomalous (PyOD's sense, not scikit-learn's)."""
        return self._combine(self._parts(images_unit(images))).astype(np.float64)

    def error_maps(self, images: np.ndarray) -> np.ndarray:
        """float32 N×28×28: each pixel's reconstruction error (conv, dae: squared error; vae: the pixel's
        cross-entropy above the image's own entropy), averaged over the members. The reconstruction part
        of the score; colour them with heatmap.heatmap_rgb(maps, self.error_scale_)."""
        maps, _ = self._outputs(images_unit(images))
        return np.mean(maps, axis=0).astype(np.float32)

    # ---- persistence ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """{"config": JSON-able settings and fitted scalars, "arrays": {name: numpy array}}: all from_state needs."""
        config = {
            "format": STATE_FORMAT, "model": self.model, "seconds": self.seconds, "epochs": self.epochs,
            "seed": self.seed, "options": self.options, "epochs_": self.epochs_, "fit_seconds_": self.fit_seconds_,
            "error_scale_": self.error_scale_, "members": len(self.networks_),
        }  # fmt: skip
        arrays: dict[str, np.ndarray] = {
            "train_scores_": self.train_scores_, "part_center_": self.part_center_, "part_scale_": self.part_scale_,
        }  # fmt: skip
        for m, net in enumerate(self.networks_):
            for key, value in net.state_dict().items():
                arrays[f"net{m}.{key}"] = value.detach().cpu().numpy()
            if self.model != "vae":
                arrays[f"code_scale{m}"] = self.code_scale_[m]
                arrays[f"train_codes{m}"] = self.train_codes_[m]
        return {"config": config, "arrays": arrays}

    @classmethod
    def from_state(cls, state: dict[str, Any], device: str | torch.device = "cpu") -> OneClassAutoencoder:
        config, arrays = state["config"], state["arrays"]
        if config.get("format") != STATE_FORMAT:
            raise ValueError("state: not a one-class image detector")
        detector = cls(config["model"], seconds=config["seconds"], epochs=config["epochs"], device=device,
                       seed=config["seed"], **config["options"])  # fmt: skip
        detector.networks_ = []
        for m in range(int(config["members"])):
            net = network_build(detector.model, detector.options, detector.seed)
            prefix = f"net{m}."
            weights = {
                k[len(prefix) :]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(prefix)
            }
            net.load_state_dict(weights)
            detector.networks_.append(net.to(device).eval())
        if detector.model != "vae":
            members = range(len(detector.networks_))
            detector.code_scale_ = [np.asarray(arrays[f"code_scale{m}"]) for m in members]
            # float32 whatever was stored: shipped detectors keep their codes in float16 (half the bytes)
            detector.train_codes_ = [np.asarray(arrays[f"train_codes{m}"], np.float32) for m in members]
        detector.train_scores_ = np.asarray(arrays["train_scores_"])
        detector.part_center_ = np.asarray(arrays["part_center_"])
        detector.part_scale_ = np.asarray(arrays["part_scale_"])
        detector.error_scale_ = float(config["error_scale_"])
        detector.epochs_ = int(config["epochs_"])
        detector.fit_seconds_ = float(config["fit_seconds_"])
        return detector


def _vae_pixel_terms(
    net: ConvVae, x: torch.Tensor, samples: int, noise_gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pixel reconstruction nats above the image's entropy (N×28×28, averaged over `samples` latents) and KL (N).

    Summed, they are -ELBO minus the image's own entropy H(x) = sum BCE(x, x); H(x) is added back in the score's
    reconstruction column so the score is the true -ELBO while the heat map is zero for a perfect reconstruction."""
    mu, logvar = net.encode(x)
    std = torch.exp(0.5 * logvar)
    pixel = torch.zeros_like(x[:, 0])
    for _ in range(samples):
        z = mu + randn(tuple(mu.shape), noise_gen, mu.device) * std
        pixel += F.binary_cross_entropy_with_logits(net.decode(z), x, reduction="none")[:, 0]
    pixel = pixel / samples - _entropy(x)[:, 0]
    return pixel.clamp_min_(0.0), gaussian_kl(mu, logvar)


def _entropy(x: torch.Tensor) -> torch.Tensor:
    p = x.clamp(1e-6, 1 - 1e-6)
    return -(x * torch.log(p) + (1 - x) * torch.log1p(-p))


def blurred_error(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Squared reconstruction error after a 3×3 box blur of the signed error (N×1×28×28).

    Blurring first discounts what every normal image has (edges a pixel off, texture the small code
    cannot hold) and keeps what an anomaly has (whole strokes or regions missing or extra): measured on
    the hard classes of both sets, it raised the mean AUC of the error alone by 2.5 (MNIST) and 2.7
    (Fashion-MNIST) points over the plain squared error."""
    return F.avg_pool2d(out - x, 3, stride=1, padding=1).pow(2)


def knn_distance(codes: np.ndarray, reference: np.ndarray, k: int, leave_one_out: bool = False) -> np.ndarray:
    """Mean Euclidean distance of each code to its k nearest reference codes (float64 N).

    `leave_one_out`: `codes` are the reference itself, and each code's own zero distance is skipped."""
    k = max(1, min(k, reference.shape[0] - int(leave_one_out)))
    ref_sq = (reference.astype(np.float64) ** 2).sum(1)
    out = np.empty(codes.shape[0], dtype=np.float64)
    for start in range(0, codes.shape[0], BATCH_SCORE):
        chunk = codes[start : start + BATCH_SCORE].astype(np.float64)
        d2 = (chunk**2).sum(1)[:, None] + ref_sq[None, :] - 2.0 * chunk @ reference.T.astype(np.float64)
        if leave_one_out:
            rows = np.arange(chunk.shape[0])
            d2[rows, start + rows] = np.inf
        nearest = np.partition(d2, k - 1, axis=1)[:, :k]
        out[start : start + chunk.shape[0]] = np.sqrt(np.maximum(nearest, 0.0)).mean(1)
    return out


def detectors_save(path: str | Path, detectors: dict[int, OneClassAutoencoder]) -> None:
    """All classes' detectors in one .npz file (no pickle): arrays as `c<class>/<name>`, configs as JSON."""
    payload: dict[str, np.ndarray] = {}
    configs = {}
    for label, detector in detectors.items():
        state = detector.state()
        configs[str(int(label))] = state["config"]
        for name, value in state["arrays"].items():
            payload[f"c{int(label)}/{name}"] = np.asarray(value)
    payload["configs"] = np.frombuffer(json.dumps(configs).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **payload)
    Path(path).write_bytes(buffer.getvalue())


def detectors_load(path: str | Path, device: str | torch.device = "cpu") -> dict[int, OneClassAutoencoder]:
    with np.load(Path(path), allow_pickle=False) as data:
        configs = json.loads(data["configs"].tobytes().decode())
        detectors = {}
        for label, config in configs.items():
            prefix = f"c{label}/"
            arrays = {k[len(prefix) :]: data[k] for k in data.files if k.startswith(prefix)}
            detectors[int(label)] = OneClassAutoencoder.from_state({"config": config, "arrays": arrays}, device=device)
    return dict(sorted(detectors.items()))
