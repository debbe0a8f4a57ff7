"""The denoising network: a small fully convolutional encoder-decoder (torch; workers only).

In the line of RED-Net / U-Net (additive skip connections between mirrored levels), DnCNN
(residual learning: the net predicts the noise, which is subtracted from the input) and FFDNet
(a noise-level map as an extra input channel, and a 2×2 pixel-unshuffle so every convolution
runs at half resolution or less: four times fewer positions than DnCNN's full-resolution stack).
One model covers sigma 0..75 on the 0-255 scale.

A grayscale model may carry a second net of the same shape for colour (`chroma`): it denoises
each chroma plane of the opponent colour space while reading the denoised luminance and the other
chroma plane as guides, so edges that the luminance shows clearly steer the chroma (what CBM3D
gets by grouping every plane on the luminance's estimate), where the grayscale net alone sees
each plane on its own.
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
    """forward(x, sigma, guide=None): x is N×C×H×W on the 0..1 scale, sigma the noise std on the
    same scale (a number, one per image, or an N×1×H×W map); returns the denoised N×C×H×W, any H
    and W. A net built with `guides` > 0 also reads that many N×guides×H×W planes it does not
    denoise. chroma=True adds `self.chroma`, the guided net for colour (module docstring)."""

    def __init__(
        self,
        channels: int = 1,
        width: int = 48,
        levels: int = 3,
        convs: int = 2,
        *,
        guides: int = 0,
        chroma: bool = False,
    ) -> None:
        super().__init__()
        self.channels, self.width, self.levels, self.convs, self.guides = channels, width, levels, convs, guides
        self.config: DenoiserConfig | None = None  # set by denoiser_build / denoiser_load
        self.metrics: dict = {}
        widths = [min(width * 2**i, width * 4) for i in range(levels)]
        self.head = nn.Sequential(_conv(4 * (channels + guides + 1), widths[0]), nn.ReLU(inplace=True))
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
        self.chroma = DenoiserNet(1, width, levels, convs, guides=2) if chroma else None

    @property
    def multiple(self) -> int:
        """Height and width are padded to a multiple of this inside forward()."""
        return 2**self.levels

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float, guide: torch.Tensor | None = None) -> torch.Tensor:
        n, c, h, w = x.shape
        if c != self.channels:
            raise ValueError(f"this model denoises {self.channels}-channel images, got {c} channels")
        if (guide.shape[1] if guide is not None else 0) != self.guides:
            raise ValueError(f"this model reads {self.guides} guide planes")
        sigma_map = _sigma_map(sigma, x)
        pad_h, pad_w = (-h) % self.multiple, (-w) % self.multiple
        z = torch.cat([x, sigma_map] if guide is None else [x, guide.to(x.dtype), sigma_map], dim=1)
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
    net = DenoiserNet(config.channels, config.width, config.levels, config.convs, chroma=config.chroma)
    net.config = config
    return net


def chroma_from_gray(model: DenoiserNet) -> DenoiserNet:
    """A guided chroma net that starts as `model` itself: the same weights, and the head's weights
    for the guide planes zero, so it denoises a chroma plane exactly as the grayscale net does and
    training only has to learn what the guides add."""
    if model.channels != 1 or model.guides:
        raise ValueError("the chroma net starts from a grayscale net without guides")
    chroma = DenoiserNet(1, model.width, model.levels, model.convs, guides=2)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("chroma.")}
    head = state["head.0.weight"]  # out × 8 × 3 × 3: pixel-unshuffled [plane, sigma], 4 phases each
    grown = head.new_zeros(head.shape[0], 4 * (1 + 2 + 1), *head.shape[2:])
    grown[:, :4], grown[:, 12:] = head[:, :4], head[:, 4:]
    state["head.0.weight"] = grown
    chroma.load_state_dict(state)
    return chroma.to(head.device)


def parameters_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
