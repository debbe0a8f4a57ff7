"""A trained network → the NumPy arrays `serving.RepresentationServing` runs (workers: imports torch).

Mechanical, because every model is an nn.Sequential encoder and decoder of the layers serving
knows; batch normalisation (the GAN's) is folded into the Linear or convolution before it, with
its running statistics (eval mode).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from torch import nn

from .models import Autoencoder
from .serving import SERVING_FORMAT, SERVING_VERSION


def _flat(module: nn.Module) -> list[nn.Module]:
    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in _flat(child)]
    return [module]


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().double().numpy()


def _fold(weight: np.ndarray, bias: np.ndarray, norm: nn.modules.batchnorm._BatchNorm, transposed: bool):
    """(weight, bias) of a layer followed by an eval-mode BatchNorm, as one layer."""
    if norm.running_var is None or norm.running_mean is None:
        # Without running statistics a batch norm normalises by each batch's own, even in eval mode:
        # no fixed layer computes that.
        raise ValueError(f"export: {norm} keeps no running statistics, so it cannot be folded")
    gamma = _numpy(norm.weight) if norm.weight is not None else np.ones(norm.num_features)  # affine=False: 1, 0
    beta = _numpy(norm.bias) if norm.bias is not None else np.zeros(norm.num_features)
    scale = gamma / np.sqrt(_numpy(norm.running_var) + norm.eps)
    shift = beta - _numpy(norm.running_mean) * scale
    if transposed:  # ConvTranspose2d: C_in × C_out × k × k
        weight = weight * scale[None, :, None, None]
    else:  # Linear: out × in; Conv2d: out × in × k × k
        weight = weight * scale.reshape(-1, *([1] * (weight.ndim - 1)))
    return weight, bias * scale + shift


def layers_export(sequential: nn.Sequential, prefix: str, arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The layer list of `sequential`, adding its weights to `arrays` under names starting with `prefix`."""
    modules = _flat(sequential)
    layers: list[dict[str, Any]] = []
    i = 0
    while i < len(modules):
        module = modules[i]
        following = modules[i + 1] if i + 1 < len(modules) else None
        if isinstance(module, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
            transposed = isinstance(module, nn.ConvTranspose2d)
            weight = _numpy(module.weight)
            outputs = weight.shape[1] if transposed else weight.shape[0]
            bias = _numpy(module.bias) if module.bias is not None else np.zeros(outputs)
            if isinstance(following, nn.BatchNorm1d | nn.BatchNorm2d):
                weight, bias = _fold(weight, bias, following, transposed)
                i += 1
            name = f"{prefix}{len(layers)}"
            arrays[f"{name}_weight"], arrays[f"{name}_bias"] = weight.astype(np.float32), bias.astype(np.float32)
            layer: dict[str, Any] = {"weight": f"{name}_weight", "bias": f"{name}_bias"}
            if isinstance(module, nn.Linear):
                layer["op"] = "linear"
            else:
                if module.dilation != (1, 1) or module.groups != 1 or module.stride[0] != module.stride[1]:
                    raise ValueError(f"export: {module} (dilation, groups or uneven strides) is not supported")
                if module.padding[0] != module.padding[1] or module.kernel_size[0] != module.kernel_size[1]:
                    raise ValueError(f"export: {module} (uneven padding or kernel) is not supported")
                layer.update(op="conv_transpose2d" if transposed else "conv2d", stride=module.stride[0],
                             padding=module.padding[0])  # fmt: skip
                if transposed:
                    layer["output_padding"] = module.output_padding[0]
            layers.append(layer)
        elif isinstance(module, nn.ReLU):
            layers.append({"op": "relu"})
        elif isinstance(module, nn.LeakyReLU):
            layers.append({"op": "leaky_relu", "slope": float(module.negative_slope)})
        elif isinstance(module, nn.Sigmoid):
            layers.append({"op": "sigmoid"})
        elif isinstance(module, nn.Tanh):
            layers.append({"op": "tanh"})
        elif isinstance(module, nn.Flatten):
            if module.start_dim != 1 or module.end_dim != -1:
                raise ValueError("export: only Flatten(1, -1) is supported")
            layers.append({"op": "flatten"})
        elif isinstance(module, nn.Unflatten):
            if module.dim != 1:
                raise ValueError("export: only Unflatten(1, shape) is supported")
            layers.append({"op": "unflatten", "shape": [int(s) for s in module.unflattened_size]})
        elif isinstance(module, nn.Identity | nn.Dropout):
            pass
        else:
            raise ValueError(f"export: layer {type(module).__name__} is not supported by serving")
        i += 1
    return layers


@torch.no_grad()
def serving_arrays(
    model: Autoencoder,
    *,
    code_low: np.ndarray | None = None,
    code_high: np.ndarray | None = None,
    image_shape: tuple[int, int] = (28, 28),
) -> dict[str, np.ndarray]:
    """The arrays of serving's file for `model` (eval mode): "meta" (JSON), the weights, the code range.

    A GAN exports its generator only (has_encoder false). The VAE's encoder is cut to the posterior
    mean: its last Linear keeps the first `code_size` outputs."""
    model = model.eval()
    arrays: dict[str, np.ndarray] = {}
    encoder_layers = None
    if model.has_encoder:
        encoder_layers = layers_export(model.encoder, "enc", arrays)
        if model.code_slice is not None:
            last = next(layer for layer in reversed(encoder_layers) if layer["op"] == "linear")
            arrays[last["weight"]] = arrays[last["weight"]][: model.code_slice]
            arrays[last["bias"]] = arrays[last["bias"]][: model.code_slice]
    decoder_layers = layers_export(model.decoder, "dec", arrays)
    meta = {
        "format": SERVING_FORMAT,
        "version": SERVING_VERSION,
        "model": model.config.model,
        "dataset": model.config.dataset,
        "code_size": int(model.code_size),
        "image_shape": list(image_shape),
        "encoder": encoder_layers,
        "decoder": decoder_layers,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    if code_low is not None and code_high is not None:
        arrays["code_low"] = np.asarray(code_low, np.float32).reshape(-1)
        arrays["code_high"] = np.asarray(code_high, np.float32).reshape(-1)
    return arrays
