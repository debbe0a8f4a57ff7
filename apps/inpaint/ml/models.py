"""The two inpainting networks (torch; workers only). Both take the image with its hole blanked and the
mask as an extra input channel, and return the image with the known pixels copied back exactly.

Tensors: x B×1×H×W in [0, 1], mask B×1×H×W with 1 = missing. `forward(x, mask)` → B×1×H×W in [0, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ITEM_SIZE, InpainterConfig


def composite(x: torch.Tensor, mask: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
    """The known pixels from x, the missing ones from the prediction."""
    return x * (1 - mask) + prediction * mask


# --- 28×28 items ------------------------------------------------------------------------------------


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, inplace=True))


class ChannelwiseFC(nn.Module):
    """Each channel's h×w map through its own fully connected layer (Pathak et al. 2016): every
    position sees the whole item at the cost of C·(hw)² weights, not (C·hw)²."""

    def __init__(self, channels: int, size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels, size * size, size * size) / size)
        self.bias = nn.Parameter(torch.zeros(channels, size * size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        flat = x.reshape(b, c, h * w)
        out = torch.einsum("bci,cij->bcj", flat, self.weight) + self.bias
        return out.reshape(b, c, h, w)


class ItemsNet(nn.Module):
    """Masked-input conv encoder–decoder for 28×28 items: 28 → 14 → 7, a channel-wise fully connected
    bottleneck mixed by 1×1 convolutions, and skip connections back up (U-Net style)."""

    multiple = 4

    def __init__(self, config: InpainterConfig) -> None:
        super().__init__()
        self.config = config
        w = int(config.value("width"))
        self.enc1 = nn.Sequential(_conv(2, w), _conv(w, w))
        self.enc2 = nn.Sequential(_conv(w, 2 * w, 2), _conv(2 * w, 2 * w))
        self.enc3 = nn.Sequential(_conv(2 * w, 4 * w, 2), _conv(4 * w, 4 * w))
        size = ITEM_SIZE // 4
        self.fc = ChannelwiseFC(4 * w, size)
        self.mix = nn.Sequential(nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2, inplace=True), _conv(4 * w, 4 * w))
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, 2)
        self.dec2 = nn.Sequential(_conv(4 * w, 2 * w), _conv(2 * w, 2 * w))
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, 2)
        self.dec1 = nn.Sequential(_conv(2 * w, w), _conv(w, w))
        self.out = nn.Conv2d(w, 1, 3, 1, 1)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, base: torch.Tensor | None = None, *, raw: bool = False
    ) -> torch.Tensor:
        """The filled image; raw=True: the prediction everywhere, known pixels not copied back (training).
        `base` is accepted for a common signature and not used: the items net fills from scratch."""
        known = x * (1 - mask)
        e1 = self.enc1(torch.cat([known - 0.5 * (1 - mask), mask], 1))
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        b = self.mix(e3 + self.fc(e3))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        prediction = torch.sigmoid(self.out(d1))
        return prediction if raw else composite(x, mask, prediction)


# --- photos: gated-convolution U-Net -------------------------------------------------------------------


class GatedConv(nn.Module):
    """Yu et al. (2019): features × sigmoid(gate), both from one convolution, so each layer learns
    where its input is valid instead of being told by a fixed mask update."""

    def __init__(self, cin: int, cout: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.cout = cout
        self.conv = nn.Conv2d(cin, 2 * cout, 3, stride, dilation, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feature, gate = self.conv(x).split(self.cout, 1)
        return F.elu(feature) * torch.sigmoid(gate)


def pushpull_fill(x: torch.Tensor, mask: torch.Tensor, levels: int = 12) -> torch.Tensor:
    """A smooth fill of the hole from the known pixels around it (push-pull, Gortler et al. 1996):
    average the known values down a pyramid, then fill each level's holes from the coarser one.
    Cheap at any size; the net learns a residual over it."""
    known = 1 - mask
    values, weights = [x * known], [known]
    for _ in range(levels):
        if min(values[-1].shape[-2:]) <= 1:
            break
        values.append(F.avg_pool2d(values[-1], 2, ceil_mode=True))
        weights.append(F.avg_pool2d(weights[-1], 2, ceil_mode=True))
    filled = values[-1] / weights[-1].clamp_min(1e-6)
    for value, weight in zip(reversed(values[:-1]), reversed(weights[:-1]), strict=True):
        coarse = F.interpolate(filled, size=value.shape[-2:], mode="bilinear", align_corners=False)
        alpha = weight.clamp(0, 1)
        filled = torch.where(weight > 0, value / weight.clamp_min(1e-6), coarse) * alpha + coarse * (1 - alpha)
    return filled


class GatedUNet(nn.Module):
    """Gated-conv U-Net for photos. The input is folded 2×2 into channels (pixel unshuffle) so the first
    level already runs at half resolution, then 1/4 and 1/8 with dilated gated convs (rates 2, 4, 8)
    that give large holes context; skips join the decoder; the output unfolds back and is added to the
    initial fill (OpenCV's Navier–Stokes by default, config.base), so the untrained net is that fill.
    Any H×W (`forward` pads to a multiple of 16)."""

    multiple = 16

    def __init__(self, config: InpainterConfig) -> None:
        super().__init__()
        self.config = config
        w = int(config.value("width"))
        c1, c2, c3 = w, 2 * w, 3 * w
        self.enc1 = nn.Sequential(GatedConv(12, c1), GatedConv(c1, c1))  # 3 planes × 4 after the 2×2 fold
        self.enc2 = nn.Sequential(GatedConv(c1, c2, 2), GatedConv(c2, c2))
        self.enc3 = nn.Sequential(GatedConv(c2, c3, 2), GatedConv(c3, c3))
        self.context = nn.Sequential(*(GatedConv(c3, c3, dilation=d) for d in (2, 4, 8, 1)))
        self.dec2 = nn.Sequential(GatedConv(c3 + c2, c2), GatedConv(c2, c2))
        self.dec1 = nn.Sequential(GatedConv(c2 + c1, c1), GatedConv(c1, c1))
        self.out = nn.Conv2d(c1, 4, 3, 1, 1)
        nn.init.zeros_(self.out.weight)  # starts as the push-pull fill
        nn.init.zeros_(self.out.bias)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, base: torch.Tensor | None = None, *, raw: bool = False
    ) -> torch.Tensor:
        """The filled image. `base`: the initial fill the net corrects (B×1×H×W, e.g. OpenCV's
        Navier–Stokes, see baselines.base_fill); None: the push-pull fill. raw=True: the prediction
        everywhere, known pixels not copied back (training)."""
        height, width = x.shape[-2:]
        pad_h, pad_w = (-height) % self.multiple, (-width) % self.multiple
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
            mask = F.pad(mask, (0, pad_w, 0, pad_h), mode="replicate")
            if base is not None:
                base = F.pad(base, (0, pad_w, 0, pad_h), mode="replicate")
        known = x * (1 - mask)
        if base is None:
            base = pushpull_fill(x, mask)
        inputs = F.pixel_unshuffle(torch.cat([known - 0.5 * (1 - mask), mask, base - 0.5], 1), 2)
        e1 = self.enc1(inputs)
        e2 = self.enc2(e1)
        e3 = self.context(self.enc3(e2))
        d2 = self.dec2(torch.cat([F.interpolate(e3, scale_factor=2.0, mode="nearest"), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0, mode="nearest"), e1], 1))
        residual = F.pixel_shuffle(self.out(d1), 2)
        prediction = (base + residual).clamp(0, 1)
        out = prediction if raw else composite(x, mask, prediction)
        return out[..., :height, :width]


def inpainter_build(config: InpainterConfig) -> nn.Module:
    """The network a config names (untrained)."""
    return ItemsNet(config) if config.model == "items" else GatedUNet(config)


def parameters_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
