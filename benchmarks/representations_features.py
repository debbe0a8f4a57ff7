"""Feature learning: how well a linear probe and k-NN read the classes off each code, by labels per class.

    python -m benchmarks.representations_features [--part all|probes|selftaught] [--dataset fashion-mnist]
           [--budget 600] [--selftaught-budget 600] [--patch-budget 120] [--draws 5] [--with-linear]
           [--device auto] [--threads 2] [--seed 0]

1. Probes (`--part probes`): every autoencoder type at code 32 (vanilla, sparse, conv, denoising, the
   VAE's means; the linear AE with --with-linear), each trained for --budget seconds on the 60,000
   training images without labels, against the raw pixels, PCA-32 and PCA-64. A logistic regression
   (C = 1, standardised features) and a 5-NN vote are fitted on 10, 100, 1,000 labels per class and on
   all 60,000, the SAME label draws for every representation (metrics.label_draws), mean ± std over
   --draws draws (one with all the labels), and scored on the 10,000 test images. Targets: a 32-d code
   (DAE or sparse) with probe ≥ 0.842 and k-NN ≥ 0.86 with all labels (Xiao et al. 2017's raw-pixel
   logistic regression is 0.842), and ≥ 5 points above raw pixels and PCA at 100 labels per class.
2. Self-taught learning (`--part selftaught`), the UFLDL exercise: a sparse autoencoder 784→196
   (sigmoid, rho 0.1, lambda 3e-3, beta 3) trained on the MNIST digits 5–9 without their labels, then a
   logistic regression on its 196 features for the digits 0–4 (training split → test split) against
   the raw pixels (UFLDL: about 98 % against 96 %). Sparsity against rho (target: mean activation within
   ±20 % of rho), the 196 filters as an image; and the 8×8 natural-image version: 10,000 random 8×8
   patches of scikit-image's bundled photos, a sparse autoencoder 64→25, its filters (edges).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import numpy as np

from benchmarks.report import RESULTS, section_write
from benchmarks.representations_common import (
    Clock,
    data_load,
    device_describe,
    figure_path,
    fmt,
    grid_save,
    load_describe,
    pyplot_get,
    settings_budget,
    setup,
    table_make,
    train_timed,
)

TYPES = ("vanilla", "sparse", "conv", "denoising", "vae")
CODE = 32
# Measured earlier on this machine with the same protocol (all labels), and published (Xiao et al. 2017, raw pixels).
EARLIER = {"raw pixels": (0.835, 0.855), "PCA-64": (0.832, 0.859), "PCA-32": (0.815, 0.852)}
PUBLISHED = {"LogisticRegression": 0.842, "KNeighbors (k=5)": 0.854, "SVC (rbf)": 0.897}
TARGET_PROBE, TARGET_KNN, TARGET_MARGIN = 0.842, 0.86, 0.05
# UFLDL's settings: self-taught (MNIST) and the 8×8 natural-image exercise.
SELFTAUGHT = {"code": 196, "sparsity_target": 0.1, "weight_decay": 3e-3, "sparsity_weight": 3.0, "loss": "mse"}
PATCH = {"code": 25, "sparsity_target": 0.01, "weight_decay": 1e-4, "sparsity_weight": 3.0, "loss": "mse"}
PATCH_SIDE, PATCH_COUNT = 8, 10_000
PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field")


def _name(count: int | None) -> str:
    return "all" if count is None else str(count)


def probes_chart(path, scores: dict[str, dict[str, float]], counts: list[int | None], per_class_all: int) -> bool:
    plt = pyplot_get()
    if plt is None:
        return False
    xs = [per_class_all if c is None else c for c in counts]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), dpi=110, sharey=True)
    for ax, kind, title in zip(axes, ("probe", "knn"), ("linear probe (logistic regression)", "5-NN"), strict=True):
        for name, s in scores.items():
            style = "--" if name.startswith(("raw", "PCA")) else "-"
            ax.errorbar(xs, [s[f"{kind}_acc_{_name(c)}"] for c in counts],
                        yerr=[s[f"{kind}_std_{_name(c)}"] for c in counts], fmt=style + "o", markersize=4,
                        capsize=2, label=name)  # fmt: skip
        ax.set_xscale("log")
        ax.set_xticks(xs, [str(c) if c else "all" for c in counts])
        ax.set_xlabel("labels per class")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("test accuracy")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def probes_run(args, device: str) -> tuple[str, dict[str, Any]]:
    from apps.representations.ml.baselines import PcaRepresentation, images_flat
    from apps.representations.ml.metrics import PROBE_COUNTS, probe_scores

    clock = Clock()
    train_x, train_y, test_x, test_y = data_load(args.dataset)
    train_x, train_y = train_x[: args.train_count], train_y[: args.train_count]
    fewest = int(np.bincount(train_y).min())
    counts = [c for c in PROBE_COUNTS if c is None or c <= fewest]  # a smoke run's subset has fewer per class
    # --types: probe only these autoencoders and keep every other row from the previous run's JSON (same draws,
    # same test images), e.g. after a fix to one type; the section names the rows kept.
    previous: dict[str, Any] = {}
    if args.types:
        stored = RESULTS / f"representations_features_{args.dataset}.json"
        previous = json.loads(stored.read_text())
        written = datetime.fromtimestamp(stored.stat().st_mtime, UTC)
        previous.setdefault("measured", written.strftime("%Y-%m-%d %H:%M UTC"))
    features: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if not args.types:
        features["raw pixels"] = (images_flat(train_x), images_flat(test_x))
        for code in (32, 64):
            pca = PcaRepresentation(code, seed=args.seed).fit(train_x)
            features[f"PCA-{code}"] = (pca.transform(train_x), pca.transform(test_x))
    trained: dict[str, dict[str, Any]] = {}
    for name in args.types or TYPES + (("linear",) if args.with_linear else ()):
        # The VAE's loop checks the budget once an epoch: --vae-train-count keeps a slow CPU's epoch short.
        extra = {"train_count": args.vae_train_count} if name == "vae" and args.vae_train_count else {}
        settings = settings_budget(args.dataset, name, CODE, args.budget, args.seed, **extra)
        est = train_timed(train_x, settings, device=device, tag=f"{name}-{CODE}", quiet=True)
        label = "VAE means" if name == "vae" else f"{name} AE"
        features[f"{label}-{CODE}"] = (est.transform(train_x), est.transform(test_x))
        trained[f"{label}-{CODE}"] = {"type": name, "epochs": est.metrics_["epochs_run"],
                                      "seconds": est.metrics_["seconds"],
                                      "train_images": est.metrics_["train_images"]}  # fmt: skip
    scores: dict[str, dict[str, float]] = {}
    for name, (train_f, test_f) in features.items():
        started = Clock()
        scores[name] = probe_scores(train_f, train_y, test_f, test_y, counts=counts, draws=args.draws, seed=args.seed)
        s = scores[name]
        print(f"[probe] {name}: all labels probe {s['probe_acc_all']:.3f} k-NN {s['knn_acc_all']:.3f} "
              f"({started.seconds():.0f} s)", file=sys.stderr, flush=True)  # fmt: skip

    kept = [name for name in previous.get("scores", {}) if name not in scores]
    if previous:
        order = list(previous["scores"]) + [name for name in scores if name not in previous["scores"]]
        scores = {name: scores.get(name) or previous["scores"][name] for name in order}
        trained = {**previous.get("trained", {}), **trained}
    per_class_all = int(np.bincount(train_y).min())
    chart = figure_path(f"representations_probes_{args.dataset}.png")
    if not probes_chart(chart, scores, counts, per_class_all):
        chart = None

    def cell(s: dict[str, float], kind: str, count: int | None) -> str:
        n = _name(count)
        mean, std = s[f"{kind}_acc_{n}"], s[f"{kind}_std_{n}"]
        return fmt(mean, 3) if count is None else f"{mean:.3f} ± {std:.3f}"

    rows = []
    for name, s in scores.items():
        info = trained.get(name)
        note = f"{info['epochs']} epochs, {info['seconds']:.0f} s" if info else ""
        if info and info["train_images"] != len(train_x):
            note += f", {info['train_images']:,} images"
        rows.append([name] + [cell(s, "probe", c) for c in counts] + [cell(s, "knn", c) for c in counts] + [note])
    blank = [""] * (len(counts) - 1)  # the figures measured earlier and published are for all the labels only

    def all_only(label: str, probe: float, knn: float, note: str = "") -> list[str]:
        return [label, *blank, fmt(probe, 3), *blank, fmt(knn, 3), note]

    for name, (probe, knn) in EARLIER.items():
        rows.append(all_only(f"{name}, measured earlier", probe, knn))
    rows.append(all_only("raw pixels, Xiao et al. 2017 (published)", PUBLISHED["LogisticRegression"],
                         PUBLISHED["KNeighbors (k=5)"], f"SVC-rbf {PUBLISHED['SVC (rbf)']:.3f}"))  # fmt: skip
    header = (["representation"] + [f"probe {_name(c)}" for c in counts] + [f"k-NN {_name(c)}" for c in counts]
              + ["training"])  # fmt: skip

    baselines = ("raw pixels", "PCA-32", "PCA-64")
    verdicts = []
    for name in [n for n in scores if n.startswith(("denoising", "sparse"))]:
        s = scores[name]
        probe_all, knn_all = s["probe_acc_all"], s["knn_acc_all"]
        margins = {kind: s[f"{kind}_acc_100"] - max(scores[b][f"{kind}_acc_100"] for b in baselines)
                   for kind in ("probe", "knn")}  # fmt: skip
        parts = [
            f"probe (all labels) {probe_all:.3f} ({'met' if probe_all >= TARGET_PROBE else 'missed'}, "
            f"{probe_all - TARGET_PROBE:+.3f} against {TARGET_PROBE})",
            f"k-NN (all labels) {knn_all:.3f} ({'met' if knn_all >= TARGET_KNN else 'missed'}, "
            f"{knn_all - TARGET_KNN:+.3f} against {TARGET_KNN})",
        ]
        for kind, label in (("probe", "probe"), ("knn", "k-NN")):
            ok = "met" if margins[kind] >= TARGET_MARGIN else "missed"
            parts.append(f"{label} at 100 labels/class {100 * margins[kind]:+.1f} points over the best of raw and "
                         f"PCA ({ok}; target +5)")  # fmt: skip
        verdicts.append(f"- {name}: " + "; ".join(parts) + ".")
    reduced = "" if args.budget >= 600 else " (a REDUCED budget: the full run gives each 600 s)"
    lines = [
        f"## Representations: feature learning on {args.dataset} (`benchmarks/representations_features.py`)",
        "",
        f"Test accuracy on the 10,000 test images of a logistic regression (C = 1, standardised features) and a "
        f"5-NN vote fitted on n labels per class: mean ± std over {args.draws} label draws, the same draws for "
        f"every representation (one with all {len(train_y):,} labels). Device: {device_describe(device)}. Every "
        f"autoencoder (code {CODE}) is trained without labels on the {len(train_x):,} training images for "
        f"{args.budget:.0f} s{reduced}, cosine learning rate; PCA is exact.",
        "",
        table_make(header, rows),
        "",
        "Targets (a 32-d DAE or sparse code: probe ≥ 0.842 and k-NN ≥ 0.86 with all labels; ≥ 5 points over raw "
        "pixels and PCA at 100 labels per class):",
        "",
        *verdicts,
    ]
    if kept:
        lines += ["", f"Rows {', '.join(n for n in scores if n not in kept)} measured in a rerun of --types "
                  f"{' '.join(args.types)}; the rows {', '.join(kept)} are kept from the previous run "
                  f"({previous.get('measured', 'earlier')}) of this script, same label draws and test images."]
    if chart is not None:
        lines += ["", f"![accuracy vs labels per class](figures/{chart.name})"]
    lines += ["", f"Wall time of this part: {clock.seconds():.0f} s; {load_describe()}. Full run: "
              f"`python -m benchmarks.representations_features --part probes --dataset {args.dataset}`."]  # fmt: skip
    data = {"args": vars(args), "device": device, "scores": scores, "trained": trained, "earlier": EARLIER,
            "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "kept": kept,
            "published": PUBLISHED, "seconds": clock.seconds()}  # fmt: skip
    return "\n".join(lines), data


def photos_load() -> list[np.ndarray]:
    """scikit-image's bundled photos as grey float images in [0, 1] (those that load without a download)."""
    from skimage import data as photos
    from skimage.color import rgb2gray
    from skimage.util import img_as_float

    out = []
    for name in PHOTOS:
        try:
            image = img_as_float(getattr(photos, name)())
        except Exception as error:  # noqa: BLE001 - a photo that needs a download is skipped, and said so
            print(f"[patches] {name} skipped: {error}", file=sys.stderr, flush=True)
            continue
        out.append(rgb2gray(image[..., :3]) if image.ndim == 3 else image)
    return out


def image_whiten(image: np.ndarray) -> np.ndarray:
    """Olshausen & Field's (1996) whitening, as in UFLDL's IMAGES.mat: a filter |f|·exp(−(|f|/f0)⁴) flattens
    the 1/f spectrum of natural images (so the sparse code learns edges, not blobs), then unit variance."""
    h, w = image.shape
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    radius = np.hypot(fy, fx)
    spectrum = np.fft.fft2(image - image.mean()) * radius * np.exp(-((radius / 0.4) ** 4))
    white = np.real(np.fft.ifft2(spectrum))
    return white / white.std()


def patches_cut(images: list[np.ndarray], count: int, side: int, seed: int) -> np.ndarray:
    """`count` random side×side patches, normalised as UFLDL's sampleIMAGES: each patch's mean removed,
    truncated to ±3 standard deviations, rescaled to [0.1, 0.9] (the sigmoid output's range)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(images), size=count)
    patches = np.empty((count, side, side))
    for i, which in enumerate(picks):
        image = images[which]
        y, x = rng.integers(0, image.shape[0] - side + 1), rng.integers(0, image.shape[1] - side + 1)
        patches[i] = image[y : y + side, x : x + side]
    patches -= patches.mean(axis=(1, 2), keepdims=True)
    limit = 3.0 * patches.std()
    return (np.clip(patches, -limit, limit) / limit + 1.0) * 0.4 + 0.1


def selftaught_run(args, device: str) -> tuple[str, dict[str, Any]]:
    from apps.representations.ml.baselines import images_flat
    from apps.representations.ml.config import RepresentationConfig
    from apps.representations.ml.evaluate import to_uint8
    from apps.representations.ml.metrics import linear_probe_accuracy, sparsity_stats
    from apps.representations.ml.models import model_build
    from apps.representations.ml.train import autoencoder_train

    clock = Clock()
    train_x, train_y, test_x, test_y = data_load("mnist")
    train_x, train_y = train_x[: args.train_count], train_y[: args.train_count]
    unlabelled = train_x[train_y >= 5]
    train_sel, test_sel = train_y < 5, test_y < 5
    settings = settings_budget("mnist", "sparse", SELFTAUGHT["code"], args.selftaught_budget, args.seed,
                               **{k: v for k, v in SELFTAUGHT.items() if k != "code"})  # fmt: skip
    est = train_timed(unlabelled, settings, device=device, tag="selftaught", quiet=True)
    feats_train, feats_test = est.transform(train_x[train_sel]), est.transform(test_x[test_sel])
    acc_features = linear_probe_accuracy(feats_train, train_y[train_sel], feats_test, test_y[test_sel])
    acc_raw = linear_probe_accuracy(images_flat(train_x[train_sel]), train_y[train_sel], images_flat(test_x[test_sel]),
                                    test_y[test_sel])  # fmt: skip
    stats = {"digits 0–4 (test)": sparsity_stats(feats_test, SELFTAUGHT["sparsity_target"]),
             "digits 5–9 (test)": sparsity_stats(est.transform(test_x[~test_sel]), SELFTAUGHT["sparsity_target"])}
    filters = est.model_.encoder[1].weight.detach().cpu().numpy().reshape(-1, 28, 28)
    filters_png = grid_save(figure_path("representations_selftaught_filters.png"), filters, cols=14, normalise=True,
                            scale=2)  # fmt: skip
    print(f"[selftaught] features {acc_features:.4f} raw {acc_raw:.4f}", file=sys.stderr, flush=True)

    # The 8×8 natural-image exercise: the MLP sparse autoencoder on side 8×8 (models.model_build's `side`).
    photos = photos_load()
    patches = patches_cut([image_whiten(p) for p in photos], PATCH_COUNT, PATCH_SIDE, args.seed)
    patch_config = RepresentationConfig.from_dict(settings_budget("mnist", "sparse", PATCH["code"], args.patch_budget,
                                                                  args.seed, **{k: v for k, v in PATCH.items()
                                                                                if k != "code"}))  # fmt: skip
    # uint8 is the loop's input type; [0.1, 0.9] in 256 levels keeps 205 of them.
    patch_result = autoencoder_train(to_uint8(patches), patch_config, device=device, side=(PATCH_SIDE, PATCH_SIDE))
    patch_filters = patch_result.state["encoder.1.weight"].numpy().reshape(-1, PATCH_SIDE, PATCH_SIDE)
    # Did the filters learn anything? Their correlation with the random weights they started from (model_build
    # depends on the seed only), and the training error against predicting every patch by the mean patch.
    start = model_build(patch_config, side=(PATCH_SIDE, PATCH_SIDE)).encoder[1].weight.detach().cpu().numpy()
    moved = float(np.corrcoef(start.ravel(), patch_filters.ravel())[0, 1])
    quantised = to_uint8(patches) / 255.0
    mean_patch_error = float(((quantised - quantised.mean(axis=0)) ** 2).sum(axis=(1, 2)).mean())
    patch_png = grid_save(figure_path("representations_patch_filters.png"), patch_filters, cols=5, normalise=True,
                          scale=8)  # fmt: skip
    patch_last = patch_result.history[-1]

    rows = [["sparse AE features (196)", f"{100 * acc_features:.2f} %", "≈ 98 %"],
            ["raw pixels (784)", f"{100 * acc_raw:.2f} %", "≈ 96 %"]]  # fmt: skip
    sparse_rows = []
    for where, s in stats.items():
        off = s["mean_activation_error"]
        ok = "met" if off <= 0.2 else f"missed by {100 * (off - 0.2):.0f} points"
        sparse_rows.append([where, fmt(s["mean_activation"], 4), f"{100 * s['mean_activation_error']:.1f} % ({ok})",
                            f"{100 * s['units_near_target']:.0f} %", f"{100 * s['active_fraction']:.1f} %",
                            f"{100 * s['dead_fraction']:.1f} %"])  # fmt: skip
    reduced = "" if args.selftaught_budget >= 600 else ", a REDUCED budget: the full run gives it 600 s"
    lines = [
        "## Representations: self-taught learning, UFLDL (`benchmarks/representations_features.py --part selftaught`)",
        "",
        f"A sparse autoencoder 784→196 (sigmoid, squared error, rho {SELFTAUGHT['sparsity_target']}, lambda "
        f"{SELFTAUGHT['weight_decay']}, beta {SELFTAUGHT['sparsity_weight']}) trained on the {len(unlabelled):,} "
        f"MNIST training digits 5–9 without labels, with Adam for {args.selftaught_budget:.0f} s{reduced} "
        f"({est.metrics_['epochs_run']} epochs; UFLDL uses 400 L-BFGS steps) on {device_describe(device)}. Then a "
        f"logistic regression (C = 1, standardised features) on the {int(train_sel.sum()):,} training digits 0–4, "
        f"scored on the {int(test_sel.sum()):,} test digits 0–4:",
        "",
        table_make(["features", "test accuracy, digits 0–4", "UFLDL"], rows),
        "",
        f"Features over raw pixels: {100 * (acc_features - acc_raw):+.2f} points.",
        "",
        f"Sparsity of the 196 features (target: mean activation within ±20 % of rho = "
        f"{SELFTAUGHT['sparsity_target']}; active: > 0.5; dead: never reaches 0.1):",
        "",
        table_make(["images", "mean activation", "off rho by", "units within ±20 % of rho", "active",
                    "dead units"], sparse_rows),  # fmt: skip
    ]
    if filters_png is not None:
        lines += ["", f"![the 196 filters of the self-taught sparse autoencoder](figures/{filters_png.name})"]
    lines += [
        "",
        f"8×8 natural-image patches: {PATCH_COUNT:,} random patches of scikit-image's photos "
        f"({len(photos)} loaded), each photo whitened first (Olshausen & Field's filter, as UFLDL's IMAGES.mat), "
        f"then each patch's mean removed, truncated to ±3 std, rescaled to [0.1, 0.9]; a sparse autoencoder "
        f"64→25 (rho {PATCH['sparsity_target']}, lambda {PATCH['weight_decay']}, beta {PATCH['sparsity_weight']}) "
        f"for {args.patch_budget:.0f} s ({len(patch_result.history)} epochs): final objective "
        f"{patch_last['loss']:.4f}, mean activation {patch_last['mean_activation']:.4f} against rho "
        f"{PATCH['sparsity_target']}; squared error per patch {patch_last['recon']:.3f} against "
        f"{mean_patch_error:.3f} for the mean patch; correlation of the 25 filters with their random "
        f"initialisation {moved:.3f} (near 1: they have not moved away from it).",
    ]
    if patch_png is not None:
        lines += ["", f"![the 25 filters learnt on 8×8 natural-image patches](figures/{patch_png.name})"]
    lines += ["", f"Wall time of this part: {clock.seconds():.0f} s; {load_describe()}. Full run: "
              "`python -m benchmarks.representations_features --part selftaught`."]  # fmt: skip
    data = {"args": vars(args), "device": device, "accuracy_features": acc_features, "accuracy_raw": acc_raw,
            "sparsity": stats, "epochs": est.metrics_["epochs_run"], "patches": {"photos": len(photos),
            "epochs": len(patch_result.history), "last": patch_last, "init_correlation": moved,
            "mean_patch_error": mean_patch_error}, "seconds": clock.seconds()}  # fmt: skip
    return "\n".join(lines), data


def main() -> None:
    from benchmarks.representations_common import parser_make

    parser = parser_make(__doc__, budget=600.0)
    parser.add_argument("--part", default="all", choices=("all", "probes", "selftaught"))
    parser.add_argument("--selftaught-budget", type=float, default=600.0, help="training seconds, MNIST 784→196")
    parser.add_argument("--patch-budget", type=float, default=120.0, help="training seconds, 8×8 patches 64→25")
    parser.add_argument("--draws", type=int, default=5, help="label draws per count (all labels: one)")
    parser.add_argument("--train-count", type=int, default=None, help="the first N training images (smoke tests)")
    parser.add_argument("--vae-train-count", type=int, default=None, help="the VAE's training images (default all)")
    parser.add_argument("--types", nargs="*", choices=TYPES + ("linear",), default=None,
                        help="rerun only these types; the other rows are kept from the previous run's JSON")
    parser.add_argument("--with-linear", action="store_true", help="probe the linear autoencoder's code too")
    args = parser.parse_args()
    device = setup(args)
    if args.part in ("all", "probes"):
        markdown, data = probes_run(args, device)
        section_write(f"representations_features_{args.dataset}", markdown, data)
        print(markdown, flush=True)
    if args.part in ("all", "selftaught"):
        markdown, data = selftaught_run(args, device)
        section_write("representations_selftaught", markdown, data)
        print(markdown, flush=True)


if __name__ == "__main__":
    main()
