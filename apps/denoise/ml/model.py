"""The denoising network: a small fully convolutional encoder-decoder (torch; workers only).

In the line of RED-Net / U-Net (additive skip connections between mirrored levels), DnCNN
(residual learning: the net predicts the noise, which is subtracted from the input) and FFDNet
(a noise-level map as an extra input channel, and a 2×2 pixel-unshuffle so every convolution
runs at half resolution or less: four times fewer positions than DnCNN's full-resolution stack).
One model covers sigma 0..75 on the 0-255 scale.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import DenoiserConfig


def _conv(c_in: int, c_out: int, kernel: int = 3, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=(kernel - 1) // 2 if stride == 1 else 0)


def _stack(width: int, count: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(count):
        layers += [_conv(width, width), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class DenoiserNet(nn.Module):
    """forward(x, sigma): x is N×C×H×W on the 0..1 scale, sigma the noise std on the same scale
    (a number, one per image, or an N×1×H×W map); returns the denoised N×C×H×W, any H and W."""

    def __init__(self, channels: int = 1, width: int = 48, levels: int = 3, convs: int = 2) -> None:
        super().__init__()
        self.channels, self.levels = channels, levels
        self.config: DenoiserConfig | None = None  # set by denoiser_build / denoiser_load
        self.metrics: dict = {}
        widths = [min(width * 2**i, width * 4) for i in range(levels)]
        self.head = nn.Sequential(_conv(4 * (channels + 1), widths[0]), nn.ReLU(inplace=True))
        self.encoders = nn.ModuleList(_stack(w, convs if i < levels - 1 else 2 * convs) for i, w in enumerate(widths))
        self.downs = nn.ModuleList(
            nn.Sequential(_conv(widths[i], widths[i + 1], 2, stride=2), nn.ReLU(inplace=True))
            for i in range(levels - 1)
        )
        self.ups = nn.ModuleList(
            nn.Sequential(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2), nn.ReLU(inplace=True))
            for i in range(levels - 1)
        )
        self.decoders = nn.ModuleList(_stack(widths[i], convs) for i in range(levels - 1))
        self.tail = _conv(widths[0], 4 * channels)
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        # Start as the identity (predicted noise 0): early training refines rather than repairs.
        nn.init.zeros_(self.tail.weight)

    @property
    def multiple(self) -> int:
        """Height and width are padded to a multiple of this inside forward()."""
        return 2**self.levels

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float) -> torch.Tensor:
        n, c, h, w = x.shape
        if c != self.channels:
            raise ValueError(f"this model denoises {self.channels}-channel images, got {c} channels")
        sigma_map = _sigma_map(sigma, x)
        pad_h, pad_w = (-h) % self.multiple, (-w) % self.multiple
        z = torch.cat([x, sigma_map], dim=1)
        if pad_h or pad_w:
            # reflect needs the pad to be smaller than the side; tiny inputs fall back to replicate
            mode = "reflect" if pad_h < h and pad_w < w else "replicate"
            z = F.pad(z, (0, pad_w, 0, pad_h), mode=mode)
        feat = self.head(F.pixel_unshuffle(z, 2))
        skips = []
        for i, encoder in enumerate(self.encoders):
            feat = encoder(feat)
            if i < self.levels - 1:
                skips.append(feat)
                feat = self.downs[i](feat)
        for i in reversed(range(self.levels - 1)):
            feat = self.decoders[i](self.ups[i](feat) + skips[i])
        noise = F.pixel_shuffle(self.tail(feat), 2)[:, :, :h, :w]
        return x - noise


def _sigma_map(sigma: torch.Tensor | float, x: torch.Tensor) -> torch.Tensor:
    n, _, h, w = x.shape
    s = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
    if s.dim() == 4:
        return s.expand(n, 1, h, w)
    return s.reshape(-1, 1, 1, 1).expand(n, 1, h, w)


def denoiser_build(config: DenoiserConfig) -> DenoiserNet:
    net = DenoiserNet(channels=config.channels, width=config.width, levels=config.levels, convs=config.convs)
    net.config = config
    return net


def parameters_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
