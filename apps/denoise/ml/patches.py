"""Training patches drawn on the training device (torch; workers and benchmarks).

The training images (a few hundred small photos) are packed into one flat tensor on the device.
A batch is one gather: each patch's image (in proportion to the positions it offers), corner and
one of the 8 dihedral transforms (4 rotations × optional mirror) become indices, so no Python loop
runs per patch and nothing crosses from the host per step. Noise is drawn there too. Every random
number comes from one torch.Generator on the device: a seed gives the same batches on a device.
"""

from __future__ import annotations

import numpy as np
import torch


def dihedral_grids(patch: int, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """(rows, cols), each 8×patch×patch: transform t maps output pixel (i, j) to source pixel
    (rows[t, i, j], cols[t, i, j]). t = 2k + m is np.rot90 by k quarter turns, then mirrored
    left-right when m is 1, as the NumPy sampler does it."""
    i, j = torch.meshgrid(torch.arange(patch), torch.arange(patch), indexing="ij")
    rows, cols = [], []
    for k in range(4):
        for mirror in (False, True):
            # Moving the coordinate grids as the image would move them gives, at each output pixel,
            # the source pixel that lands there.
            r, c = torch.rot90(i, k), torch.rot90(j, k)
            if mirror:
                r, c = r.flip(1), c.flip(1)
            rows.append(r)
            cols.append(c)
    return torch.stack(rows).to(device), torch.stack(cols).to(device)


class DevicePatchSampler:
    """Random clean patches (N×C×p×p) and their noisy versions, made on `device`.

    images: H×W×C float32 arrays on 0..1, any sizes (each at least p×p), same C.
    """

    def __init__(
        self,
        images: list[np.ndarray],
        patch: int,
        *,
        device: str | torch.device = "cpu",
        seed: int = 0,
    ) -> None:
        if not images:
            raise ValueError("no training images")
        channels = images[0].shape[2]
        if any(im.ndim != 3 or im.shape[2] != channels for im in images):
            raise ValueError("training images must all be H×W×C with the same C")
        if any(min(im.shape[:2]) < patch for im in images):
            raise ValueError(f"every training image must be at least {patch}×{patch} pixels")
        self.device, self.patch, self.channels = torch.device(device), patch, channels
        heights = np.array([im.shape[0] for im in images], dtype=np.int64)
        widths = np.array([im.shape[1] for im in images], dtype=np.int64)
        sizes = heights * widths * channels
        # One flat buffer, images one after another (H×W×C order): no padding for mixed sizes.
        flat = np.concatenate([np.asarray(im, dtype=np.float32).reshape(-1) for im in images])
        self.pixels = torch.from_numpy(flat).to(self.device)
        # int32 indices where they fit: half the memory traffic of int64 for the index arithmetic
        index_dtype = torch.int32 if self.pixels.numel() < 2**31 else torch.int64
        self.offsets = torch.from_numpy(np.concatenate([[0], np.cumsum(sizes)[:-1]])).to(self.device, index_dtype)
        self.heights = torch.from_numpy(heights).to(self.device)
        self.widths = torch.from_numpy(widths).to(self.device, index_dtype)
        positions = (heights - patch + 1) * (widths - patch + 1)
        cdf = np.cumsum(positions / positions.sum())
        self.cdf = torch.from_numpy(cdf).to(self.device, torch.float32)
        rows, cols = dihedral_grids(patch, self.device)
        self.rows = rows.unsqueeze(1).to(index_dtype)  # 8×1×p×p, broadcast over channels
        self.cols = (cols.unsqueeze(1) * channels).to(index_dtype)  # in elements of the H×W×C layout
        self.channel = torch.arange(channels, device=self.device, dtype=index_dtype).view(1, channels, 1, 1)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)

    def _uniform(self, count: int) -> torch.Tensor:
        return torch.rand(count, device=self.device, generator=self.generator)

    def indices(self, count: int) -> dict[str, torch.Tensor]:
        """The random draws of one batch: image, top, left and transform (0..7) of each patch."""
        # Inverse-CDF sampling: searchsorted never waits for the host (torch.multinomial may).
        image = torch.searchsorted(self.cdf, self._uniform(count), right=True).clamp_(max=self.cdf.numel() - 1)
        p = self.patch
        # floor(u × positions); the minimum guards against float rounding u up to a whole positions
        top_max, left_max = self.heights[image] - p, self.widths[image] - p
        top = torch.minimum((self._uniform(count) * (top_max + 1)).long(), top_max)
        left = torch.minimum((self._uniform(count) * (left_max + 1)).long(), left_max)
        transform = torch.randint(0, 8, (count,), device=self.device, generator=self.generator)
        return {"image": image, "top": top, "left": left, "transform": transform}

    def gather(self, draws: dict[str, torch.Tensor]) -> torch.Tensor:
        """The clean patches (N×C×p×p) that `draws` name."""
        image, transform = draws["image"], draws["transform"]
        view = (-1, 1, 1, 1)
        dtype = self.offsets.dtype
        row_stride = self.widths[image] * self.channels
        # the element of each patch's top-left pixel, then each pixel's step from it (N×C×p×p)
        corner = self.offsets[image] + draws["top"].to(dtype) * row_stride + draws["left"].to(dtype) * self.channels
        index = self.rows[transform] * row_stride.view(view) + self.cols[transform]
        index += corner.view(view)
        index = index + self.channel if self.channels > 1 else index
        # index_select on the flat view: the fastest gather on a CPU (about 3× advanced indexing), fine on CUDA
        return self.pixels.index_select(0, index.view(-1)).view(index.shape)

    def clean(self, count: int) -> torch.Tensor:
        return self.gather(self.indices(count))

    def batch(self, count: int, sigma_min: float, sigma_max: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(clean, noisy, sigma): each patch with white Gaussian noise of its own std, uniform in
        [sigma_min, sigma_max] (the 0..1 scale, like the pixels); noisy is not clipped."""
        clean = self.clean(count)
        sigma = sigma_min + (sigma_max - sigma_min) * self._uniform(count)
        noise = torch.randn(clean.shape, device=self.device, generator=self.generator)
        return clean, torch.addcmul(clean, noise, sigma.view(-1, 1, 1, 1)), sigma


class NumpyPatchSampler:
    """The former sampler: a Python loop over patches in NumPy on the host, one batch copied to the
    device per step. Training no longer uses it; benchmarks.denoise_pace measures it against
    DevicePatchSampler. Same distribution: images in proportion to positions, 8 dihedral transforms."""

    def __init__(self, images: list[np.ndarray], patch: int, rng: np.random.Generator) -> None:
        self.images, self.patch, self.rng = images, patch, rng
        area = np.array([(im.shape[0] - patch + 1) * (im.shape[1] - patch + 1) for im in images], dtype=np.float64)
        self.p = area / area.sum()

    def sample(self, count: int) -> np.ndarray:
        p = self.patch
        out = np.empty((count, self.images[0].shape[2], p, p), dtype=np.float32)
        for i, idx in enumerate(self.rng.choice(len(self.images), size=count, p=self.p)):
            im = self.images[idx]
            top = self.rng.integers(0, im.shape[0] - p + 1)
            left = self.rng.integers(0, im.shape[1] - p + 1)
            crop = im[top : top + p, left : left + p]
            crop = np.rot90(crop, k=int(self.rng.integers(4)))
            if self.rng.integers(2):
                crop = crop[:, ::-1]
            out[i] = crop.transpose(2, 0, 1)
        return out
