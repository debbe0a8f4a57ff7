"""The web side of a trained representation: decode a code, encode an image, in NumPy only.

The worker exports the encoder and decoder as arrays (`export.serving_arrays`, saved with
np.savez); this module runs them as a tiny sequential forward: Linear, Conv2d, ConvTranspose2d,
ReLU, LeakyReLU, Sigmoid, Tanh, Flatten, Unflatten (batch normalisation is folded into the layer
before it at export; PCA is a Linear each way). No torch, no Django: the web process imports it
and answers a click on the map or an upload within milliseconds.

File layout: `meta` (a JSON string: format, version, model, code_size, the encoder's and the
decoder's layers), the arrays the layers name, `code_low` and `code_high` (per-dimension range of
the test codes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

SERVING_FORMAT = "aeweb-representation-serving"
SERVING_VERSION = 1
OPS = ("linear", "conv2d", "conv_transpose2d", "relu", "leaky_relu", "sigmoid", "tanh", "flatten", "unflatten")


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    if not padding:
        return x
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: int, padding: int) -> np.ndarray:
    """torch.nn.functional.conv2d for N×C×H×W input and O×C×k×k weights (im2col by kernel offset)."""
    out_c, _, kh, kw = weight.shape
    xp = _pad(x, padding)
    n, c, h, w = xp.shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, out_c, ho, wo), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride]  # N×C×Ho×Wo
            out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j], optimize=True)
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def conv_transpose2d(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: int, padding: int, output_padding: int = 0
) -> np.ndarray:
    """torch.nn.functional.conv_transpose2d for N×C×H×W input and C×O×k×k weights (scatter by kernel offset)."""
    _, out_c, kh, kw = weight.shape
    n, _, h, w = x.shape
    full_h, full_w = (h - 1) * stride + kh + output_padding, (w - 1) * stride + kw + output_padding
    out = np.zeros((n, out_c, full_h, full_w), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            contrib = np.einsum("nchw,co->nohw", x, weight[:, :, i, j], optimize=True)
            out[:, :, i : i + stride * h : stride, j : j + stride * w : stride] += contrib
    out = out[:, :, padding : full_h - padding, padding : full_w - padding]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return np.ascontiguousarray(out, dtype=np.float32)


def layers_run(layers: list[dict[str, Any]], arrays: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Run the layer list (as exported) on float32 input `x`."""
    for layer in layers:
        op = layer["op"]
        if op == "linear":
            x = x @ arrays[layer["weight"]].T
            if layer.get("bias"):
                x = x + arrays[layer["bias"]]
        elif op == "conv2d":
            bias = arrays[layer["bias"]] if layer.get("bias") else None
            x = conv2d(x, arrays[layer["weight"]], bias, layer["stride"], layer["padding"])
        elif op == "conv_transpose2d":
            bias = arrays[layer["bias"]] if layer.get("bias") else None
            x = conv_transpose2d(
                x, arrays[layer["weight"]], bias, layer["stride"], layer["padding"], layer.get("output_padding", 0)
            )
        elif op == "relu":
            x = np.maximum(x, 0.0)
        elif op == "leaky_relu":
            x = np.where(x >= 0, x, x * np.float32(layer["slope"]))
        elif op == "sigmoid":
            x = 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow for large -x
        elif op == "tanh":
            x = np.tanh(x)
        elif op == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif op == "unflatten":
            x = x.reshape(x.shape[0], *layer["shape"])
        else:
            raise ValueError(f"serving: unknown layer {op!r}")
        x = x.astype(np.float32, copy=False)
    return x


class RepresentationServing:
    """A trained representation's encoder and decoder as NumPy: `decode` codes, `encode` images."""

    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        if meta.get("format") != SERVING_FORMAT or meta.get("version") != SERVING_VERSION:
            raise ValueError(f"not a {SERVING_FORMAT} file (version {SERVING_VERSION})")
        self.meta = meta
        self.arrays = arrays
        self.model: str = meta["model"]
        self.code_size: int = int(meta["code_size"])
        self.encoder_layers: list[dict[str, Any]] | None = meta.get("encoder")
        self.decoder_layers: list[dict[str, Any]] = meta["decoder"]
        self.image_shape: tuple[int, int] = tuple(meta.get("image_shape", (28, 28)))  # type: ignore[assignment]
        low, high = arrays.get("code_low"), arrays.get("code_high")
        self.code_low = None if low is None else np.asarray(low, np.float32)
        self.code_high = None if high is None else np.asarray(high, np.float32)

    @classmethod
    def load(cls, path: str | Path) -> RepresentationServing:
        """Read a file written by `serving_write` (no pickle: np.load with allow_pickle=False)."""
        with np.load(Path(path), allow_pickle=False) as data:
            return cls.from_arrays({key: np.asarray(data[key]) for key in data.files})

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> RepresentationServing:
        """From what `export.serving_arrays` returns (the `meta` JSON string and the weights)."""
        arrays = dict(arrays)
        meta = json.loads(str(arrays.pop("meta")))
        arrays = {key: value.astype(np.float32) if value.dtype.kind == "f" else value for key, value in arrays.items()}
        return cls(meta, arrays)

    @property
    def has_encoder(self) -> bool:
        return self.encoder_layers is not None

    def decode_float(self, codes: np.ndarray) -> np.ndarray:
        """Codes (N×code) → images float32 N×H×W in [0, 1]."""
        z = np.asarray(codes, dtype=np.float32).reshape(-1, self.code_size)
        out = layers_run(self.decoder_layers, self.arrays, z)
        return np.clip(out.reshape(z.shape[0], *self.image_shape), 0.0, 1.0)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Codes (N×code) → images uint8 N×H×W."""
        return np.rint(self.decode_float(codes) * 255.0).astype(np.uint8)

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Images (uint8 N×H×W, or one H×W) → codes float32 N×code."""
        if not self.has_encoder:
            raise ValueError(f"{self.model}: this representation has no encoder (it cannot map an image to a code)")
        images = np.asarray(images)
        if images.ndim == 2:
            images = images[None]
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"images: expected N×{self.image_shape[0]}×{self.image_shape[1]}, got {images.shape}")
        x = (images.astype(np.float32) / 255.0)[:, None]
        out = layers_run(self.encoder_layers or [], self.arrays, x)
        return out[:, : self.code_size].astype(np.float32)

    def extrapolated(self, codes: np.ndarray) -> np.ndarray:
        """Whether each code lies outside the per-dimension range of the test codes (bool N)."""
        z = np.asarray(codes, dtype=np.float32).reshape(-1, self.code_size)
        if self.code_low is None or self.code_high is None:
            return np.zeros(z.shape[0], dtype=bool)
        return ((z < self.code_low) | (z > self.code_high)).any(axis=1)


def serving_write(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez of `export.serving_arrays`'s dict to exactly `path` (a writer for atomic_write)."""
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
