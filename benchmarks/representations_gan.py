"""Autoencoder against GAN: the conv VAE and the DCGAN (model "gan") on the same wall-clock training budget.

    python -m benchmarks.representations_gan [--dataset fashion-mnist] [--budget 1800] [--sample-count 10000]
           [--classifier-epochs 3] [--classifier-seconds 90] [--device auto] [--threads 2] [--seed 0]

The VAE trains for --budget seconds (its loop stops after the epoch that passes the budget); the GAN then
gets exactly the seconds the VAE took, so both had the same wall clock. Side by side, with --sample-count
samples of each against as many training images: the Fréchet distance in the feature space of the small
classifier (apps.core.ml.image_classifier, as the gallery computes it: not an Inception FID), precision
and recall (Kynkäänniemi et al. 2019, k = 3, same features), the share of each class among the samples
as the classifier sees them (mode collapse shows as a few classes taking most), a sharpness figure
(variance of the Laplacian per image), training curves and sample grids. The same figures for real test
images against the training images are the floor. Then what only the VAE can do (encode, interpolate
two real images, a likelihood bound: the test −ELBO), and the lecture's comparison table, each cell with
the measured figure behind it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from benchmarks.report import section_write
from benchmarks.representations_common import (
    Clock,
    data_load,
    device_describe,
    figure_path,
    fmt,
    grid_save,
    load_describe,
    parser_make,
    pyplot_get,
    settings_budget,
    setup,
    table_make,
    train_timed,
)

CLASSES = {
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"),  # fmt: skip
    "mnist": tuple(str(d) for d in range(10)),
}


def laplacian_variance(images: np.ndarray) -> float:
    """Mean over images of the variance of the 4-neighbour Laplacian (pixels in [0, 1]): blur lowers it."""
    x = np.asarray(images, np.float64) / (255.0 if np.asarray(images).dtype == np.uint8 else 1.0)
    lap = 4 * x[:, 1:-1, 1:-1] - x[:, :-2, 1:-1] - x[:, 2:, 1:-1] - x[:, 1:-1, :-2] - x[:, 1:-1, 2:]
    return float(lap.reshape(len(x), -1).var(axis=1).mean())


def curves_figure(path, vae_history: list[dict], gan_history: list[dict], budget: float) -> bool:
    plt = pyplot_get()
    if plt is None:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), dpi=110)
    left.plot([h["epoch"] for h in vae_history], [h["loss"] for h in vae_history], "-o", markersize=3,
              label="train −ELBO")  # fmt: skip
    if vae_history and "val_loss" in vae_history[0]:
        left.plot([h["epoch"] for h in vae_history], [h["val_loss"] for h in vae_history], "-o", markersize=3,
                  label="validation −ELBO")  # fmt: skip
    left.set_title("VAE: −ELBO per epoch (nats per image)")
    left.set_xlabel("epoch")
    left.legend()
    epochs = [h["epoch"] for h in gan_history]
    right.plot(epochs, [h["loss"] for h in gan_history], "-o", markersize=3, label="generator loss")
    right.plot(epochs, [h["d_loss"] for h in gan_history], "-o", markersize=3, label="discriminator loss")
    right.plot(epochs, [h["d_real"] for h in gan_history], "--", label="D(real)")
    right.plot(epochs, [h["d_fake"] for h in gan_history], "--", label="D(fake)")
    right.set_title("DCGAN: losses per epoch")
    right.set_xlabel("epoch")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    fig.suptitle(f"training curves, {budget:.0f} s each")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main() -> None:
    parser = parser_make(__doc__, budget=1800.0)
    parser.add_argument("--sample-count", type=int, default=10_000, help="samples (and reference images) per set")
    parser.add_argument("--classifier-epochs", type=int, default=3)
    parser.add_argument("--train-count", type=int, default=None, help="the first N training images (smoke tests)")
    parser.add_argument("--classifier-seconds", type=float, default=90.0, help="classifier training budget")
    args = parser.parse_args()
    device = setup(args)
    described = device_describe(device)
    from apps.core.ml.image_classifier import classifier_features, classifier_train
    from apps.representations.ml.evaluate import sample_scores, to_uint8, vae_neg_elbo
    from apps.representations.ml.metrics import recon_error

    clock = Clock()
    train_x, train_y, test_x, test_y = data_load(args.dataset)
    train_x, train_y = train_x[: args.train_count], train_y[: args.train_count]
    classes = CLASSES[args.dataset]
    classifier, classifier_epochs = classifier_train(train_x, train_y, epochs=args.classifier_epochs,
                                                     max_seconds=args.classifier_seconds, device=device)  # fmt: skip
    classifier_acc = float((classifier_features(classifier, test_x, device=device)[1] == test_y).mean())
    rng = np.random.default_rng(args.seed + 11)  # the reference draw of evaluate.representation_evaluate
    reference = train_x[np.sort(rng.choice(len(train_x), min(args.sample_count, len(train_x)), replace=False))]

    vae = train_timed(train_x, settings_budget(args.dataset, "vae", 16, args.budget, args.seed), device=device,
                      tag="vae")  # fmt: skip
    same_seconds = float(vae.metrics_["seconds"])  # the GAN gets the wall clock the VAE took
    # DCGAN trains at a constant learning rate (Radford et al. 2016): lr_min None.
    gan = train_timed(train_x, settings_budget(args.dataset, "gan", 64, same_seconds, args.seed, lr_min=None),
                      device=device, tag="gan")  # fmt: skip

    sets = {
        "VAE samples": to_uint8(vae.sample(args.sample_count, seed=args.seed + 7)),
        "GAN samples": to_uint8(gan.sample(args.sample_count, seed=args.seed + 7)),
        "real test images (floor)": test_x[: args.sample_count],
    }
    scores: dict[str, dict[str, Any]] = {}
    for name, images in sets.items():
        s = sample_scores(images, reference, classifier, device=device)
        predicted = classifier_features(classifier, images, device=device)[1]
        s["shares"] = (np.bincount(predicted, minlength=10) / len(predicted)).tolist()
        s["sharpness"] = laplacian_variance(images)
        scores[name] = s
        print(f"[{name}] {s}", file=sys.stderr, flush=True)

    pngs = {"VAE": grid_save(figure_path(f"representations_gan_vae_samples_{args.dataset}.png"),
                             sets["VAE samples"][:100] / 255.0, cols=10, scale=2),
            "GAN": grid_save(figure_path(f"representations_gan_gan_samples_{args.dataset}.png"),
                             sets["GAN samples"][:100] / 255.0, cols=10, scale=2)}  # fmt: skip
    curves = figure_path(f"representations_gan_curves_{args.dataset}.png")
    if not curves_figure(curves, vae.history_, gan.history_, same_seconds):
        curves = None

    # What only the VAE can do: encode (reconstruct), interpolate two real images, bound the likelihood.
    neg_elbo = vae_neg_elbo(vae.model_, test_x, seed=args.seed)
    vae_recon = recon_error(test_x, vae.reconstruct(test_x))
    pair = test_x[[0, 1]] if test_y[0] != test_y[1] else test_x[[0, int(np.flatnonzero(test_y != test_y[0])[0])]]
    codes = vae.transform(pair)
    steps = np.linspace(0.0, 1.0, 10)[:, None]
    walk = vae.inverse_transform((1 - steps) * codes[0] + steps * codes[1])
    strip = np.concatenate([pair[:1] / 255.0, walk, pair[1:] / 255.0])
    interp_png = grid_save(figure_path(f"representations_gan_interpolation_{args.dataset}.png"), strip, cols=12,
                           scale=3)  # fmt: skip
    gan_encode = "n/a: no encoder (GanModel.encode raises NotImplementedError)"
    try:
        gan.transform(test_x[:1])
    except NotImplementedError as error:
        gan_encode = f"n/a: no encoder (`{error}`)"

    v, g, r = scores["VAE samples"], scores["GAN samples"], scores["real test images (floor)"]
    rows = []
    for name, s in scores.items():
        model = vae if name.startswith("VAE") else gan if name.startswith("GAN") else None
        train = f"{model.metrics_['seconds']:.0f} s, {model.metrics_['epochs_run']} epochs" if model else ""
        rows.append([name, fmt(s["frechet"], 2), fmt(s["precision"], 3), fmt(s["recall"], 3),
                     f"{s['class_coverage']} / 10", fmt(s["class_entropy"], 3), fmt(s["class_max_share"], 3),
                     fmt(s["sharpness"], 4), train])  # fmt: skip
    share_rows = [[label] + [f"{100 * s['shares'][i]:.1f} %" for s in scores.values()]
                  for i, label in enumerate(classes)]  # fmt: skip

    vae_losses = [h["loss"] for h in vae.history_]
    gan_g = [h["loss"] for h in gan.history_]
    vae_rises = sum(b > a for a, b in zip(vae_losses, vae_losses[1:], strict=False))
    last_gan = gan.history_[-1]
    lecture = [
        ["architecture", f"encoder (conv) + decoder, {vae.metrics_['parameters']:,} parameters, code 16",
         f"generator + discriminator (DCGAN), {gan.metrics_['parameters']:,} parameters, code 64"],
        ["training", f"one network, one loss; {vae.metrics_['epochs_run']} epochs in {vae.metrics_['seconds']:.0f} s",
         f"two networks in turn (D step, G step); {gan.metrics_['epochs_run']} epochs in "
         f"{gan.metrics_['seconds']:.0f} s"],
        ["objective", f"maximise the ELBO (reconstruction + KL): final train −ELBO {vae_losses[-1]:.1f} nats",
         f"minimax game: final G loss {last_gan['loss']:.3f}, D loss {last_gan['d_loss']:.3f}"],
        ["latent inference", f"yes: the encoder gives q(z|x); test reconstruction error {vae_recon:.2f}", gan_encode],
        ["likelihood", f"a bound: test −ELBO {neg_elbo:.1f} nats per image", "none (implicit model)"],
        ["sample sharpness (Laplacian variance; real: " + fmt(r["sharpness"], 4) + ")", fmt(v["sharpness"], 4),
         fmt(g["sharpness"], 4)],
        ["sample quality (Fréchet; precision)", f"{v['frechet']:.2f}; {v['precision']:.3f}",
         f"{g['frechet']:.2f}; {g['precision']:.3f}"],
        ["mode coverage (recall; classes ≥ 1 %; largest class share)",
         f"{v['recall']:.3f}; {v['class_coverage']}; {v['class_max_share']:.3f}",
         f"{g['recall']:.3f}; {g['class_coverage']}; {g['class_max_share']:.3f}"],
        ["stability", f"loss rose in {vae_rises} of {max(0, len(vae_losses) - 1)} epoch steps",
         f"G loss per epoch from {min(gan_g):.3f} to {max(gan_g):.3f}; final D(real) {last_gan['d_real']:.3f}, "
         f"D(fake) {last_gan['d_fake']:.3f}"],
    ]  # fmt: skip
    reduced = "" if args.budget >= 1800 else ", a REDUCED budget: the full run gives 1,800 s"
    lines = [
        f"## Representations: autoencoder vs GAN on {args.dataset} (`benchmarks/representations_gan.py`)",
        "",
        f"The conv VAE (code 16) trained for {vae.metrics_['seconds']:.0f} s (budget {args.budget:.0f} s{reduced}; "
        f"its loop stops after the epoch that passes it) and the DCGAN (code 64) for the same "
        f"{same_seconds:.0f} s, both on the {len(train_x):,} training images, on {described}. "
        f"{args.sample_count:,} samples of each against {len(reference):,} training images, in the 128-D "
        f"feature space of the small classifier ({classifier_epochs} epochs, test accuracy "
        f"{100 * classifier_acc:.1f} %): Fréchet distance (not an Inception FID: compare only within this "
        "table), precision and recall (k = 3), classes given ≥ 1 % of the samples, class entropy (1 = uniform), "
        "the largest class's share, and sharpness (variance of the Laplacian, pixels in [0, 1]).",
        "",
        table_make(["images", "Fréchet", "precision", "recall", "classes", "class entropy", "largest share",
                    "sharpness", "training"], rows),  # fmt: skip
        "",
        "Share of each class among the images, as the classifier labels them (10 % each is even):",
        "",
        table_make(["class", *scores], share_rows),
        "",
        "What one can do and the other cannot:",
        "",
        table_make(["", "VAE", "GAN"], [
            ["encode an image", f"yes: test reconstruction error {vae_recon:.2f} (squared error per image)",
             gan_encode],
            ["interpolate two real images", "yes (figure below: encode both, decode 10 points between)",
             "n/a: a real image has no code"],
            ["likelihood bound", f"test −ELBO {neg_elbo:.1f} nats per image", "n/a"],
        ]),  # fmt: skip
        "",
        "The lecture's comparison, each cell with the figure measured above:",
        "",
        table_make(["", "VAE", "GAN"], lecture),
        "",
        "Sharpness counts any high-frequency content: pixel noise raises it as edges do, so read it with the "
        "sample grids below.",
    ]
    for label, png in (("VAE samples", pngs["VAE"]), ("GAN samples", pngs["GAN"])):
        if png is not None:
            lines += ["", f"![{label}](figures/{png.name})"]
    if interp_png is not None:
        lines += ["", f"![VAE interpolation between two test images](figures/{interp_png.name})"]
    if curves is not None:
        lines += ["", f"![training curves](figures/{curves.name})"]
    lines += ["", f"Wall time of the whole run: {clock.seconds():.0f} s; {load_describe()}. Full run: "
              f"`python -m benchmarks.representations_gan --dataset {args.dataset}`."]  # fmt: skip
    data = {"args": vars(args), "device": device, "scores": scores, "classifier_accuracy": classifier_acc,
            "classifier_epochs": classifier_epochs, "vae": {**vae.metrics_, "test_neg_elbo": neg_elbo,
            "test_recon_error": vae_recon, "history": vae.history_}, "gan": {**gan.metrics_,
            "history": gan.history_}, "same_seconds": same_seconds, "seconds": clock.seconds()}  # fmt: skip
    markdown = "\n".join(lines)
    section_write(f"representations_gan_{args.dataset}", markdown, data)
    print(markdown)


if __name__ == "__main__":
    main()
