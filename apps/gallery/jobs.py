"""The gallery's job handlers: `train vae` and the generation jobs (run by workers and `--sync`).

Each handler is handler(job, reporter) -> result dict, run by apps.core.runner. The contract
imports this module in every process, so torch is imported inside the handlers only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from apps.core.device import device_resolve
from apps.core.loading import model_loaded
from apps.core.ml.image_datasets import dataset_class_names, dataset_load
from apps.core.ml.vae.config import VaeConfig
from apps.core.models import ModelVersion
from apps.core.training import TrainingRun
from apps.gallery.models import ImageKind
from apps.gallery.params import TRAINING_OPTIONS
from apps.gallery.selectors import image_get
from apps.gallery.services import ImageEntry, image_path, images_missing, images_store, png_decode
from apps.gallery.slots import SLOT_FOR_MODEL, VAE_KIND


def _data_dir() -> str | None:
    return settings.AEWEB_DATA_DIR or None


def vae_for(version: ModelVersion):
    """The version's model on this worker's device, loaded once per process (checked against its sha256)."""
    from apps.gallery.ml.checkpoint import vae_load

    return model_loaded(version, lambda path: vae_load(path, device=device_resolve()))


# --- training ----------------------------------------------------------------------------------


def gallery_train_job(job, reporter) -> dict:
    from apps.core.ml.vae.train import vae_train
    from apps.gallery.ml.checkpoint import vae_save
    from apps.gallery.ml.evaluate import vae_test_evaluate

    run = TrainingRun(job, reporter, training="vae", options=TRAINING_OPTIONS)
    train_count, test_count, iwae_k = (run.options[key] for key in ("train_count", "test_count", "iwae_k"))
    iwae_k = 100 if iwae_k is None else iwae_k
    config = VaeConfig.from_dict({**run.settings, "dataset": run.dataset, "model": run.model})

    run.progress(0.01, f"Loading {run.dataset} (training split)")
    images, labels = dataset_load(run.dataset, "train", data_dir=_data_dir())
    if train_count:
        images, labels = images[:train_count], labels[:train_count]
    on_epoch = run.epoch_reporter(
        0.02,
        0.8,
        lambda e: f"epoch {e['epoch']}/{e['epochs']}: loss {e['loss']:.2f} (recon {e['recon']:.2f}, KL {e['kl']:.2f})",
    )
    result = vae_train(images, labels, config, device=run.device, on_epoch=on_epoch)
    model = result.model_build(run.device)

    run.progress(0.8, f"Evaluating on the test split (IWAE K={iwae_k})")
    test = vae_test_evaluate(
        model,
        dataset=run.dataset,
        iwae_k=iwae_k,
        count=test_count,
        data_dir=_data_dir(),
        on_batch=lambda done, total: reporter.update(progress=0.8 + 0.15 * done / max(1, total)),
    )
    test["test_images"] = test.pop("count")
    metrics = {**test, **result.metrics}  # test figures (neg_elbo, iwae_nll, ...) and training's (train_*, ...)

    run.progress(0.96, "Saving the model")
    checkpoint = run.artifact_write(
        "model.pt", lambda path: vae_save(path, result.state, config, metrics=metrics, history=result.history)
    )
    slot = SLOT_FOR_MODEL[run.model]
    card = (
        f"{run.model} VAE ({slot}) on {run.dataset}: {result.metrics['train_images']} training images, "
        f"{len(result.history)} epochs, "
        + (f"IWAE objective (K={config.iwae_samples})" if config.iwae_samples > 1 else f"beta {config.beta}")
        + f", latent {config.latent_dim}; "
        f"test neg. ELBO {test['neg_elbo']:.2f} nats"
        + (f", IWAE NLL (K={iwae_k}) {test['iwae_nll']:.2f} nats" if "iwae_nll" in test else "")
        + f" on {test['test_images']} images"
    )
    if "binarized_iwae_nll" in test:  # MNIST's published figures are on the binarised test set
        card += f"; binarised test set: IWAE NLL (K={iwae_k}) {test['binarized_iwae_nll']:.2f} nats"
    artifacts = {"checkpoint": checkpoint}
    return run.register(kind=VAE_KIND, slot=slot, config=config, metrics=metrics, artifacts=artifacts, card=card)


# --- generation --------------------------------------------------------------------------------


def _result(images) -> dict[str, Any]:
    return {"images": [image.id for image in images], "count": len(images)}


def gallery_generate_job(job, reporter) -> dict:
    from apps.gallery.ml.generate import samples_generate_labelled

    p = job.params
    version = ModelVersion.objects.get(id=p["model_version"])
    wanted = [(ImageKind.SAMPLE, i) for i in range(p["count"])]
    if images_missing(job=job, wanted=wanted):
        reporter.update(progress=0.1, message=f"Sampling {p['count']} images")
        model = vae_for(version)
        # All N are drawn at once from the seed (a partial redo draws the same ones); rows already
        # there are kept as they are.
        pixels, latents, classes = samples_generate_labelled(model, p["count"], p["seed"], p["temperature"], p["label"])
        labels = [None] * p["count"] if classes is None else [int(c) for c in classes]
        names = dataset_class_names(version.dataset)
        entries = [
            ImageEntry(
                kind=ImageKind.SAMPLE,
                position=i,
                pixels=pixels[i],
                seed=p["seed"],
                temperature=p["temperature"],
                latent=[round(float(v), 6) for v in latents[i]],
                label=names[labels[i]] if labels[i] is not None else "",
                label_index=labels[i],
            )
            for i in range(latents.shape[0])
        ]
        reporter.update(progress=0.8, message="Saving PNGs")
    else:
        entries = []
    return _result(images_store(job=job, model_version=version, entries=entries))


def gallery_interpolate_job(job, reporter) -> dict:
    from apps.gallery.ml.generate import interpolation_make, latents_encode

    p = job.params
    version = ModelVersion.objects.get(id=p["model_version"])
    steps = p["steps"]
    entries = []
    if images_missing(job=job, wanted=[(ImageKind.INTERPOLATION, i) for i in range(steps)]):
        reporter.update(progress=0.1, message=f"Interpolating in {steps} steps")
        model = vae_for(version)
        start, end = image_get(image_id=p["start"]), image_get(image_id=p["end"])
        pair = np.stack([png_decode(image_path(start)), png_decode(image_path(end))])
        label_a, label_b = (start.label_index, end.label_index) if model.conditional else (None, None)
        frames = interpolation_make(model, pair[0], pair[1], steps, label_a=label_a, label_b=label_b)
        import torch

        labels = torch.tensor([label_a, label_b]) if model.conditional else None
        mu = latents_encode(model, pair, labels)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        latents = (1.0 - t) * mu[0] + t * mu[1]
        names = dataset_class_names(version.dataset)
        for i in range(steps):
            # A frame nearer the start shows the start's class (conditional models blend the two).
            index = (label_a if i < steps / 2 else label_b) if model.conditional else None
            entries.append(
                ImageEntry(
                    kind=ImageKind.INTERPOLATION,
                    position=i,
                    pixels=frames[i],
                    latent=[round(float(v), 6) for v in latents[i]],
                    label=names[index] if index is not None else "",
                    label_index=index,
                )
            )
    return {
        **_result(images_store(job=job, model_version=version, entries=entries)),
        "start": p["start"],
        "end": p["end"],
    }


def gallery_latent_map_job(job, reporter) -> dict:
    from apps.gallery.ml.generate import latent_map_make

    p = job.params
    version = ModelVersion.objects.get(id=p["model_version"])
    entries = []
    if images_missing(job=job, wanted=[(ImageKind.LATENT_MAP, 0)]):
        reporter.update(progress=0.1, message=f"Decoding a {p['grid']}×{p['grid']} grid")
        model = vae_for(version)
        mosaic, _coords = latent_map_make(model, grid=p["grid"], span=p["span"])
        # The page computes a hovered tile's z from these (see latent_map_make's layout).
        latent = {"grid": p["grid"], "span": p["span"], "tile": model.image_size}
        entries.append(ImageEntry(kind=ImageKind.LATENT_MAP, position=0, pixels=mosaic, latent=latent))
    return _result(images_store(job=job, model_version=version, entries=entries))


def gallery_reconstruct_job(job, reporter) -> dict:
    from apps.gallery.ml.generate import latents_encode, reconstructions_make

    p = job.params
    version = ModelVersion.objects.get(id=p["model_version"])
    count = p["count"]
    wanted = [(kind, i) for kind in (ImageKind.ORIGINAL, ImageKind.RECONSTRUCTION) for i in range(count)]
    entries = []
    if images_missing(job=job, wanted=wanted):
        reporter.update(progress=0.1, message=f"Reconstructing {count} test images")
        model = vae_for(version)
        images, labels = dataset_load(version.dataset, "test", data_dir=_data_dir())
        chosen = np.sort(np.random.default_rng(p["seed"]).choice(images.shape[0], size=count, replace=False))
        originals, classes = images[chosen], labels[chosen].astype(np.int64)
        given = classes if model.conditional else None
        rebuilt = reconstructions_make(model, originals, given)
        import torch

        mu = latents_encode(model, originals, torch.from_numpy(classes) if model.conditional else None)
        names = dataset_class_names(version.dataset)
        for i in range(count):
            common = {
                "position": i,
                "seed": p["seed"],
                "latent": [round(float(v), 6) for v in mu[i]],
                "label": names[int(classes[i])],
                "label_index": int(classes[i]),
            }
            entries.append(ImageEntry(kind=ImageKind.ORIGINAL, pixels=originals[i], **common))
            entries.append(ImageEntry(kind=ImageKind.RECONSTRUCTION, pixels=rebuilt[i], **common))
    return _result(images_store(job=job, model_version=version, entries=entries))
