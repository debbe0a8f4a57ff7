"""The two encoder-decoders: a small U-Net (skip features concatenated) and SegNet (pooling indices carried).

Both pad any input to a multiple of 2^depth × scale (reflect) and crop the logits back, so odd sizes work;
with `scale` > 1 the net sees the image average-pooled by that factor and its logits are upsampled back;
both end in per-class logits (N×classes×H×W). BatchNorm after every convolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import SegmenterConfig


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class _Padded(nn.Module):
    depth: int
    scale: int = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        align = 2**self.depth * self.scale
        ph, pw = (-h) % align, (-w) % align
        if ph or pw:
            # reflect needs the pad smaller than the side; replicate covers tiny inputs
            mode = "reflect" if ph < h and pw < w else "replicate"
            x = F.pad(x, (0, pw, 0, ph), mode=mode)
        if self.scale == 1:
            return self.core(x)[..., :h, :w]
        # Objects many pixels wide need no full-resolution features: the net runs at 1/scale (scale² times
        # cheaper) and its logits are interpolated back, which costs only a little sharpness at the edges.
        logits = self.core(F.avg_pool2d(x, self.scale))
        return F.interpolate(logits, scale_factor=self.scale, mode="bilinear", align_corners=False)[..., :h, :w]


class UNet(_Padded):
    def __init__(self, in_channels: int, classes: int, base: int = 16, depth: int = 3, scale: int = 1) -> None:
        super().__init__()
        self.depth, self.scale = depth, scale
        widths = [base * 2**i for i in range(depth + 1)]
        self.downs = nn.ModuleList([_block(in_channels, widths[0])])
        self.downs.extend(_block(widths[i], widths[i + 1]) for i in range(depth))
        self.ups = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in range(depth))
        self.merges = nn.ModuleList(_block(widths[i] * 2, widths[i]) for i in range(depth))
        self.head = nn.Conv2d(widths[0], classes, 1)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, down in enumerate(self.downs):
            x = down(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for i in reversed(range(self.depth)):
            x = self.merges[i](torch.cat([self.ups[i](x), skips[i]], dim=1))
        return self.head(x)


class SegNet(_Padded):
    """Badrinarayanan et al. (2017) in small: the decoder unpools with the encoder's max-pooling indices."""

    def __init__(self, in_channels: int, classes: int, base: int = 16, depth: int = 3, scale: int = 1) -> None:
        super().__init__()
        self.depth, self.scale = depth, scale
        widths = [base * 2**i for i in range(depth + 1)]
        self.encoders = nn.ModuleList([_block(in_channels, widths[0])])
        self.encoders.extend(_block(widths[i], widths[i + 1]) for i in range(depth))
        self.decoders = nn.ModuleList(_block(widths[i + 1], widths[i]) for i in range(depth))
        self.final = _block(widths[0], widths[0])  # densifies the last unpooled (sparse) map
        self.head = nn.Conv2d(widths[0], classes, 1)

    def core(self, x: torch.Tensor) -> torch.Tensor:
        indices = []
        x = self.encoders[0](x)
        for encoder in self.encoders[1:]:
            x, index = F.max_pool2d(x, 2, return_indices=True)
            indices.append(index)
            x = encoder(x)
        for i in reversed(range(self.depth)):
            x = self.decoders[i](x)
            x = F.max_unpool2d(x, indices[i], 2)
        return self.head(self.final(x))


def segmenter_build(config: SegmenterConfig) -> nn.Module:
    """The model named by the config, with the config attached (`model.config`)."""
    kind = {"unet": UNet, "segnet": SegNet}[config.model]
    model = kind(config.in_channels, len(config.classes), base=config.base, depth=config.depth, scale=config.scale)
    model.config = config
    return model
