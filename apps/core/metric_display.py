"""What the pages know about metric names: which way is better, the unit, the order to list them in.

Metric names come from every app's trainer (`ndcg@100`, `set12_psnr_sigma25`, `iwae_nll`, `epochs_run`, ...),
so the rules go by the words a name holds, not by a list of every name. Pure Python: the models page, the
admin and the "same metrics as the active version" check all use it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

HIGHER = "higher"
LOWER = "lower"

_WORDS = re.compile(r"[a-z0-9]+")
_HIGHER_WORDS = {"ndcg", "recall", "precision", "psnr", "ssim", "ssim7", "iou", "miou", "accuracy", "acc", "auc"}
_HIGHER_WORDS |= {"f1", "trustworthiness", "continuity", "hit", "mrr", "vus"}
_LOWER_WORDS = {"loss", "nll", "elbo", "mse", "mae", "rmse", "error", "fid", "frechet", "seconds", "ms", "recon"}
# Counts: shown as integers with thousands separators, whatever type the JSON kept them in.
_COUNT_WORDS = {"epochs", "epoch", "run", "parameters", "images", "steps", "seen", "count", "k", "users", "items"}
_COUNT_WORDS |= {"rows", "columns", "members", "patches", "samples"}
_RATIO_WORDS = {"ndcg", "recall", "precision", "ssim", "ssim7", "iou", "miou", "accuracy", "acc", "auc", "f1"}
_RATIO_WORDS |= {"vus", "trustworthiness", "continuity", "hit", "mrr", "dropout", "cap"}
_NATS_WORDS = {"nll", "elbo"}
_TIME_WORDS = {"seconds", "ms"}
_LR = re.compile(r"(^|_)(lr|learning_rate)(_|$)")

# The main metric of each kind of model first (the admin's list column is the first one a version has), then
# the other quality figures; counts, times and flags after them (see `metric_sort_key`).
PREFERRED = (
    "ndcg@100",
    "recall@20",
    "recall@50",
    "miou",
    "pixel_accuracy",
    "set12_psnr_sigma25",
    "set12_ssim_sigma25",
    "psnr",
    "ssim",
    "set12_cov25_psnr",
    "set12_cov25_ssim",
    "centre_psnr",
    "centre_ssim",
    "test_psnr",
    "psnr_val",
    "val_psnr",
    "iwae_nll",
    "neg_elbo",
    "test_neg_elbo",
    "auc_mean",
    "roc_auc",
    "auc",
    "pr_auc",
    "vus_pr",
    "probe_acc_all",
    "knn_acc_all",
    "map_knn_acc",
    "map_trustworthiness",
    "test_recon_error",
    "frechet",
    "recon",
    "kl",
)
_INFO_ORDER = ("epochs_run", "steps", "parameters", "train_images", "val_images", "test_images", "seconds")


def _words(name: str) -> set[str]:
    return set(_WORDS.findall(name.lower()))


def metric_direction(name: str) -> str | None:
    """HIGHER or LOWER when a larger value of `name` is better or worse; None when it is neither (a count)."""
    words = _words(name)
    if metric_is_count(name) or metric_is_learning_rate(name):
        return None
    if metric_is_timing(name):
        return LOWER
    if words & _HIGHER_WORDS:
        return HIGHER
    if words & _LOWER_WORDS:
        return LOWER
    return None


def metric_is_count(name: str) -> bool:
    words = _words(name)
    return bool(words & _COUNT_WORDS) and not words & (_HIGHER_WORDS | _LOWER_WORDS)


def metric_is_timing(name: str) -> bool:
    """Wall-clock figures: they differ between two runs that computed the same model."""
    words = _words(name)
    return bool(words & _TIME_WORDS) or "per_hour" in name or "per_second" in name


def metric_is_learning_rate(name: str) -> bool:
    return bool(_LR.search(name.lower()))


def metric_unit(name: str) -> str:
    """ "dB", "nats", "s", "ms", "ratio", "count", "lr" or "" for a plain number."""
    words = _words(name)
    if metric_is_learning_rate(name):
        return "lr"
    if metric_is_count(name):
        return "count"
    if "ms" in words:
        return "ms"
    if "seconds" in words:
        return "s"
    if "psnr" in words:
        return "dB"
    if words & _NATS_WORDS:
        return "nats"
    if words & _RATIO_WORDS:
        return "ratio"
    return ""


def seconds_format(seconds: float) -> str:
    """12.3 s, 4 min 10 s, 2 h 5 min."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    minutes = round(rest / 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _number(value: float) -> str:
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.1f}"
    if size >= 1 or size == 0:
        return f"{value:.2f}" if size >= 10 else f"{value:.3f}"
    return f"{value:.4f}" if size >= 1e-3 else f"{value:.2e}"


def metric_format(name: str, value: Any) -> str:
    """`value` of metric `name` as a person reads it: "1,688,289", "29.09 dB", "4 min 10 s", "0.4701"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    unit = metric_unit(name)
    if unit == "count" or (isinstance(value, int) and unit in ("", "ratio")):
        return f"{round(value):,}"
    if unit == "s":
        return seconds_format(float(value))
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "dB":
        return f"{value:.2f} dB"
    if unit == "nats":
        return f"{value:,.2f} nats"
    if unit == "ratio":
        return f"{value:.4f}"
    if unit == "lr":
        return f"{value:.2e}"
    return _number(float(value))


def metric_sort_key(name: str) -> tuple[int, int, str]:
    """The fixed preferred names first, then quality metrics, plain figures, counts and times, each alphabetical.

    The database may hand the keys back in any order (PostgreSQL's jsonb sorts them by length)."""
    base = name.split(" · ")[0]
    if base in PREFERRED:
        return (0, PREFERRED.index(base), name)
    if metric_is_timing(base) or metric_is_count(base):
        rank = _INFO_ORDER.index(base) if base in _INFO_ORDER else len(_INFO_ORDER)
        return (3, rank, name)
    if metric_direction(base) is not None:
        return (1, 0, name)
    return (2, 0, name)


def metrics_flatten(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """One level of nesting (per-class IoU) as "iou · Bag"; deeper values and lists stay out of tables."""
    flat: dict[str, Any] = {}
    for name, value in (metrics or {}).items():
        if isinstance(value, Mapping):
            for inner, item in value.items():
                if not isinstance(item, Mapping | list):
                    flat[f"{name} · {inner}"] = item
        elif not isinstance(value, list):
            flat[name] = value
    return flat


def metrics_ordered(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=metric_sort_key)


def metric_main(metrics: Mapping[str, Any] | None) -> tuple[str, Any] | None:
    """(name, value) of the first preferred metric a version has: the one figure a list shows."""
    for name in PREFERRED:
        value = (metrics or {}).get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return name, value
    return None


def metric_best(name: str, values: Iterable[Any]) -> float | None:
    """The best of the numbers among `values` by the metric's direction; None without a direction or a rival."""
    direction = metric_direction(name.split(" · ")[0])
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]
    if direction is None or len(numbers) < 2 or len(set(numbers)) < 2:
        return None
    return max(numbers) if direction == HIGHER else min(numbers)


def metrics_same(first: Mapping[str, Any] | None, second: Mapping[str, Any] | None) -> bool:
    """Whether two versions measured the same, wall-clock times aside (they differ between identical runs)."""

    def kept(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (metrics or {}).items() if not metric_is_timing(k)}

    a, b = kept(first), kept(second)
    return bool(a) and a == b


_ACRONYMS = {"ndcg", "psnr", "ssim", "ssim7", "iou", "miou", "nll", "elbo", "auc", "roc", "pr", "kl", "lr", "mse"}
_ACRONYMS |= {"iwae", "mae", "rmse", "knn", "ms", "pca", "ap", "f1"}


_SPELLED = {"iou": "IoU", "miou": "mIoU", "knn": "k-NN"}


def _word(word: str) -> str:
    return word.upper() if word in _ACRONYMS else word


def metric_label(name: str) -> str:
    """ "set12_psnr_sigma25" → "set12 PSNR sigma25", "iwae_nll" → "IWAE NLL": the key, readable."""
    base, dot, inner = name.partition(" · ")  # a per-class value keeps its class name as it is
    readable = _WORDS.sub(lambda m: _SPELLED.get(m.group()) or _word(m.group()), base.lower())
    return readable.replace("_", " ") + dot + inner
