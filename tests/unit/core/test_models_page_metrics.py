"""The metric knowledge of the models page and the admin: direction, unit, formatting, order."""

from __future__ import annotations

import pytest

from apps.core.metric_display import (
    HIGHER,
    LOWER,
    metric_best,
    metric_direction,
    metric_format,
    metric_label,
    metric_main,
    metrics_flatten,
    metrics_ordered,
    metrics_same,
    seconds_format,
)


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("ndcg@100", HIGHER),
        ("recall@20", HIGHER),
        ("set12_psnr_sigma25", HIGHER),
        ("pixels50_ssim", HIGHER),
        ("miou", HIGHER),
        ("pixel_accuracy", HIGHER),
        ("roc_auc", HIGHER),
        ("train_loss", LOWER),
        ("iwae_nll", LOWER),
        ("neg_elbo", LOWER),
        ("val_mse", LOWER),
        ("train_seconds", LOWER),
        ("map_ms_per_image", LOWER),
        ("epochs_run", None),
        ("parameters", None),
        ("train_images", None),
        ("lr", None),
        ("stopped_by_budget", None),
    ],
)
def test_direction(name, direction):
    assert metric_direction(name) == direction


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("epochs_run", 80.0, "80"),
        ("parameters", 860740.0, "860,740"),
        ("train_images", 60000, "60,000"),
        ("seconds", 12.34, "12.3 s"),
        ("train_seconds", 250.0, "4 min 10 s"),
        ("seconds", 240.0, "4 min"),
        ("seconds", 7500.0, "2 h 5 min"),
        ("set12_psnr_sigma25", 29.093427, "29.09 dB"),
        ("iwae_nll", 235.3605, "235.36 nats"),
        ("ndcg@100", 0.470123, "0.4701"),
        ("inference_ms_per_image", 1.7244, "1.7 ms"),
        ("stopped_by_budget", False, "no"),
        ("lr", 0.001, "1.00e-03"),
        ("train_source", "/data/Train400", "/data/Train400"),
        ("anything", None, "—"),
        ("final_loss", 1.41780, "1.418"),
    ],
)
def test_format(name, value, text):
    assert metric_format(name, value) == text


def test_seconds_under_a_minute_keep_a_decimal_never_zero_minutes():
    assert seconds_format(0.04) == "0.0 s"
    assert seconds_format(59.94) == "59.9 s"
    assert seconds_format(61) == "1 min 1 s"


def test_order_is_fixed_whatever_order_the_keys_come_in():
    names = ["seconds", "parameters", "recall@50", "kl", "epochs_run", "ndcg@100", "zeta", "final_loss", "recall@20"]
    expected = ["ndcg@100", "recall@20", "recall@50", "kl", "final_loss", "zeta", "epochs_run", "parameters", "seconds"]
    assert metrics_ordered(names) == expected
    assert metrics_ordered(reversed(names)) == expected


def test_best_knows_which_way_is_better_and_needs_a_rival():
    assert metric_best("ndcg@100", [0.41, 0.47, None, "—"]) == 0.47
    assert metric_best("iwae_nll", [240.0, 235.4]) == 235.4
    assert metric_best("iou · Bag", [0.2, 0.3]) == 0.3
    assert metric_best("parameters", [1, 2]) is None  # a count is neither better nor worse
    assert metric_best("ndcg@100", [0.4]) is None
    assert metric_best("ndcg@100", [0.4, 0.4]) is None  # a tie marks nothing


def test_flatten_and_main_metric():
    flat = metrics_flatten({"miou": 0.29, "iou": {"Bag": 0.36, "background": 0.95}, "curve": [1, 2]})
    assert flat == {"miou": 0.29, "iou · Bag": 0.36, "iou · background": 0.95}
    assert metric_main({"epochs_run": 3, "neg_elbo": 240.0, "iwae_nll": 235.0}) == ("iwae_nll", 235.0)
    assert metric_main({"epochs_run": 3}) is None


def test_same_metrics_ignore_wall_clock_times_only():
    assert metrics_same({"ndcg@100": 0.47, "seconds": 3.0}, {"ndcg@100": 0.47, "seconds": 4.5})
    assert not metrics_same({"ndcg@100": 0.47}, {"ndcg@100": 0.4701})
    assert not metrics_same({}, {})


def test_labels_read_like_words():
    assert metric_label("set12_psnr_sigma25") == "set12 PSNR sigma25"
    assert metric_label("ndcg@100") == "NDCG@100"
    assert metric_label("iwae_nll") == "IWAE NLL"
    assert metric_label("epochs_run") == "epochs run"
    assert metric_label("iou · T-shirt/top") == "IoU · T-shirt/top"
