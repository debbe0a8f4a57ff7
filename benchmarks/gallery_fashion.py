"""Quality of the gallery's VAEs on Fashion-MNIST: test ELBO, IWAE bound, and a Fréchet distance of samples.

    python -m benchmarks.gallery_fashion [--budget-seconds 7200] [--epochs 200] [--iwae-k 1000]
                                         [--test-count 10000] [--fd-count 10000]
                                         [--classifier-epochs 10] [--device auto] [--threads 1]

Trains the gallery's default convolutional VAE and the classic MLP VAE (784-400-20) on the
60,000 training images (grey levels as Bernoulli means), each with the same wall-clock budget,
then reports on the test set the negative ELBO (reconstruction + KL) and the IWAE bound with
K=--iwae-k. On grey levels these "nats" are a Bernoulli cross-entropy, not a likelihood:
compare the two models, not published likelihoods.

Sample quality: a small CNN classifier is trained here on the Fashion-MNIST training set; the
Fréchet distance between Gaussians fitted to its 128-D features is computed for --fd-count
generated samples against as many training images. THIS IS NOT THE INCEPTION FID: the numbers
compare only with each other. The floor is the distance of as many real held-out (test)
images to the same training reference. The defaults are a full run.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks.gallery_common import (
    ROOT,
    Stopwatch,
    data_dir_resolve,
    device_describe,
    device_pick,
    evaluate_with_errors,
    fmt,
    subset_pick,
    table_make,
    threads_pin,
    vae_train_timed,
)
from benchmarks.report import section_write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-seconds", type=float, default=7200.0, help="training budget of each VAE")
    parser.add_argument("--epochs", type=int, default=200, help="epoch cap of each VAE")
    parser.add_argument("--iwae-k", type=int, default=1000)
    parser.add_argument("--test-count", type=int, default=10_000, help="test images scored for ELBO/IWAE")
    parser.add_argument("--fd-count", type=int, default=10_000, help="images per set in the Fréchet distance")
    parser.add_argument("--classifier-epochs", type=int, default=10)
    parser.add_argument("--classifier-seconds", type=float, default=None, help="classifier training budget")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-save", action="store_true", help="do not write checkpoints to var/gallery/")
    args = parser.parse_args()

    threads_pin(args.threads)
    data_dir_resolve()
    from apps.core.ml.frechet import features_frechet
    from apps.core.ml.image_classifier import classifier_features, classifier_train
    from apps.core.ml.image_datasets import dataset_load
    from apps.gallery.ml.checkpoint import vae_save
    from apps.gallery.ml.generate import samples_generate

    device = device_pick(args.device)
    train_x, train_y = dataset_load("fashion-mnist", "train", progress=False)
    test_x, test_y = dataset_load("fashion-mnist", "test", progress=False)
    scored = subset_pick(len(test_x), args.test_count, args.seed)
    common = {"dataset": "fashion-mnist", "epochs": args.epochs, "max_seconds": args.budget_seconds,
              "seed": args.seed}  # fmt: skip
    models = {
        "conv VAE (gallery default)": {**common, "model": "conv"},
        "MLP VAE 784-400-20": {**common, "model": "mlp"},
    }
    trained_models, results = {}, {}
    for name, settings in models.items():
        trained = vae_train_timed(train_x, train_y, settings, device=device, tag=name)
        model = trained.model_build(device)
        clock = Stopwatch()
        scores = evaluate_with_errors(model, test_x[scored], iwae_k=args.iwae_k, seed=args.seed)
        print(f"[{name}] {scores} in {clock.seconds():.0f}s", file=sys.stderr, flush=True)
        trained_models[name] = model
        results[name] = {"config": trained.config.to_dict(), "epochs": trained.metrics["epochs_run"],
                         "train_seconds": trained.metrics["seconds"], "parameters": trained.metrics["parameters"],
                         "eval_seconds": clock.seconds(), "test": scores}  # fmt: skip
        if not args.no_save:
            vae_save(ROOT / "var" / "gallery" / f"fashion-mnist-{settings['model']}.pt", model, trained.config,
                     metrics=scores, history=trained.history)  # fmt: skip

    clock = Stopwatch()
    classifier, classifier_epochs = classifier_train(
        train_x, train_y, epochs=args.classifier_epochs, max_seconds=args.classifier_seconds, device=device
    )
    _, test_pred = classifier_features(classifier, test_x, device=device)
    accuracy = float((test_pred == test_y).mean())
    classifier_seconds = clock.seconds()
    reference_idx = subset_pick(len(train_x), args.fd_count, args.seed + 1)
    held_out_idx = subset_pick(len(test_x), args.fd_count, args.seed + 2)
    reference, _ = classifier_features(classifier, train_x[reference_idx], device=device)
    held_out, _ = classifier_features(classifier, test_x[held_out_idx], device=device)
    floor = features_frechet(held_out, reference)
    for name, model in trained_models.items():
        samples, _ = samples_generate(model, len(reference_idx), seed=args.seed + 3, temperature=1.0)
        feats, preds = classifier_features(classifier, samples, device=device)
        results[name]["frechet"] = features_frechet(feats, reference)
        results[name]["sample_class_shares"] = np.bincount(preds, minlength=10).tolist()

    rows = []
    for name, r in results.items():
        t = r["test"]
        rows.append([
            name, f"{r['parameters']:,}", str(r["epochs"]), fmt(r["train_seconds"], 0),
            f"{fmt(t['neg_elbo'])} ± {fmt(t['neg_elbo_se'])}", fmt(t["recon"]), fmt(t["kl"]),
            f"{fmt(t['iwae_nll'])} ± {fmt(t['iwae_nll_se'])}", fmt(r["frechet"]),
            fmt(r["frechet"] / floor, 1),
        ])  # fmt: skip
    rows.append(["real held-out test images (floor)", "", "", "", "", "", "", "", fmt(floor), "1.0"])
    headers = ["model", "parameters", "epochs", "train s", "−ELBO (nats)", "recon", "KL", f"IWAE, K={args.iwae_k}",
               "Fréchet dist. (own classifier, NOT FID)", "× floor"]  # fmt: skip
    full = args.budget_seconds >= 7200 and args.test_count >= 10_000 and args.fd_count >= 10_000
    budget_note = "a full run" if full else "a REDUCED run (shared 2-core CPU), not the full protocol"
    markdown = "\n".join([
        "## VAE gallery: Fashion-MNIST quality (`benchmarks/gallery_fashion.py`)",
        "",
        f"This is {budget_note}: each VAE trained for at most {args.budget_seconds:.0f} s (cap {args.epochs} "
        f"epochs) on the 60,000 training images (grey levels as Bernoulli means); −ELBO and the IWAE bound "
        f"(K={args.iwae_k}) on {len(scored):,} test images (seeded subset), ± the standard error. On grey levels "
        "these nats are a Bernoulli cross-entropy, not a likelihood, so no published figure applies.",
        "",
        f"Fréchet distance: Gaussians fitted to the 128-D penultimate features of a small CNN trained here on "
        f"the Fashion-MNIST training set ({classifier_epochs} epoch(s), {classifier_seconds:.0f} s, test accuracy "
        f"{accuracy:.1%}); {len(reference_idx):,} samples per model (temperature 1) against {len(reference_idx):,} "
        f"training images. **Not the Inception FID**; the floor is {len(held_out_idx):,} real held-out test images "
        f"against the same reference. Device: {device_describe(device)}.",
        "",
        table_make(headers, rows),
        "",
        "A full run: `python -m benchmarks.gallery_fashion` (defaults: 7,200 s per VAE, 200 epochs cap, K=1000, "
        "all 10,000 test images, 10,000 images per Fréchet set, 10 classifier epochs).",
    ])  # fmt: skip
    classifier_info = {"epochs": classifier_epochs, "test_accuracy": accuracy, "seconds": classifier_seconds}
    data = {"args": vars(args), "device": device, "results": results, "frechet_floor": floor,
            "classifier": classifier_info}  # fmt: skip
    section_write("gallery_fashion", markdown, data)
    print(markdown)


if __name__ == "__main__":
    main()
