"""The gallery's job handlers: `train vae` and the generation jobs (workers and `--sync` only).

Each handler is handler(job, reporter) -> result dict, run by apps.core.runner. They import
torch through the ml package, so nothing in the web process imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from apps.core.artifacts import artifact_verify, artifact_write
from apps.core.device import VersionCache, device_resolve
from apps.core.models import ModelVersion
from apps.core.services import model_version_create
from apps.gallery.ml.datasets import dataset_class_names, dataset_load
from apps.gallery.models import ImageKind
from apps.gallery.params import JOB_OPTIONS
from apps.gallery.roles import role_for_model
from apps.gallery.selectors import image_get
from apps.gallery.services import ImageEntry, image_path, images_missing, images_store, png_decode

_models = VersionCache(size=6)


def _data_dir() -> str | None:
    return settings.AEWEB_DATA_DIR or None


def vae_for(version: ModelVersion):
    """The version's model on this worker's device, loaded once per process (checked against its sha256)."""
    from apps.gallery.ml.checkpoint import vae_load

    info = version.artifacts["checkpoint"]

    def load():
        return vae_load(artifact_verify(info), device=device_resolve())

    return _models.get((version.id, info["sha256"]), load)


def _command(dataset: str, model: str, config: dict) -> str:
    sets = "".join(f" --set {key}={value}" for key, value in config.items())
    return f"manage.py train vae --dataset {dataset} --model {model}{sets}"


# --- training ----------------------------------------------------------------------------------


def gallery_train_job(job, reporter) -> dict:
    from apps.gallery.ml.checkpoint import vae_save
    from apps.gallery.ml.config import VaeConfig
    from apps.gallery.ml.evaluate import vae_test_evaluate
    from apps.gallery.ml.train import vae_train

    dataset, model_name = job.params["dataset"], job.params["model"]
    if model_name == "dae":
        return dae_train_job(job, reporter)
    overrides = dict(job.params.get("config") or {})
    options = {key: overrides.get(key) for key in JOB_OPTIONS}
    activate = options["activate"] is not False
    iwae_k = 100 if options["iwae_k"] is None else int(options["iwae_k"])
    settings_ = {k: v for k, v in overrides.items() if k not in JOB_OPTIONS}
    config = VaeConfig.from_dict({**settings_, "dataset": dataset, "model": model_name})
    device = device_resolve()

    reporter.update(progress=0.01, message=f"Loading {dataset} (training split)")
    images, labels = dataset_load(dataset, "train", data_dir=_data_dir())
    if options["train_count"]:
        images, labels = images[: options["train_count"]], labels[: options["train_count"]]

    def on_epoch(entry: dict) -> None:
        fraction = entry["epoch"] / max(1, entry.get("epochs") or 1)
        reporter.update(
            progress=0.02 + 0.78 * fraction,
            message=f"epoch {entry['epoch']}/{entry['epochs']}: loss {entry['loss']:.2f} "
            f"(recon {entry['recon']:.2f}, KL {entry['kl']:.2f})",
            epoch=entry,
        )

    result = vae_train(images, labels, config, device=device, on_epoch=on_epoch)
    model = result.model_build(device)

    reporter.update(progress=0.8, message=f"Evaluating on the test split (IWAE K={iwae_k})")

    def on_batch(done: int, total: int) -> None:
        reporter.update(progress=0.8 + 0.15 * done / max(1, total))

    test = vae_test_evaluate(
        model, dataset=dataset, iwae_k=iwae_k, count=options["test_count"], data_dir=_data_dir(), on_batch=on_batch
    )
    test["test_images"] = test.pop("count")
    metrics = {**test, **result.metrics}  # test figures (neg_elbo, iwae_nll, ...) and training's (train_*, ...)

    reporter.update(progress=0.96, message="Saving the model")
    folder = f"gallery/{dataset}/{job.id}"
    checkpoint = artifact_write(
        f"{folder}/model.pt", lambda path: vae_save(path, result.state, config, metrics=metrics, history=result.history)
    )
    role = role_for_model(model_name)
    command = _command(dataset, model_name, overrides)
    version = model_version_create(
        kind=role,
        dataset=dataset,
        name=model_name,
        config={**config.to_dict(), "overrides": overrides, "device": device},
        metrics=metrics,
        history=result.history,
        artifacts={"checkpoint": checkpoint},
        job=job,
        card=(
            f"{model_name} VAE ({role}) on {dataset}: {result.metrics['train_images']} training images, "
            f"{len(result.history)} epochs on {device}, beta {config.beta}, latent {config.latent_dim}; "
            f"test neg. ELBO {test['neg_elbo']:.2f} nats, IWAE NLL (K={iwae_k}) "
            f"{test.get('iwae_nll', float('nan')):.2f} nats on {test['test_images']} images; reproduce: {command}"
        ),
        activate=activate,
        user=job.created_by,
    )
    return {
        "model_version": version.id,
        "version": version.version,
        "kind": role,
        "metrics": metrics,
        "activated": activate,
    }


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


# --- the denoising-autoencoder demo --------------------------------------------------------------


def dae_train_job(job, reporter) -> dict:
    """`train vae --model dae`: the classic denoising autoencoder, evaluated by PSNR on test images."""
    from apps.gallery.ml.checkpoint import dae_save
    from apps.gallery.ml.config import DaeConfig
    from apps.gallery.ml.denoising import dae_train, denoise_pairs_make
    from apps.gallery.ml.images import psnr

    dataset = job.params["dataset"]
    overrides = dict(job.params.get("config") or {})
    options = {key: overrides.get(key) for key in JOB_OPTIONS}
    config = DaeConfig.from_dict({**{k: v for k, v in overrides.items() if k not in JOB_OPTIONS}, "dataset": dataset})
    device = device_resolve()
    reporter.update(progress=0.01, message=f"Loading {dataset} (training split)")
    images, _labels = dataset_load(dataset, "train", data_dir=_data_dir())
    if options["train_count"]:
        images = images[: options["train_count"]]

    def on_epoch(entry: dict) -> None:
        fraction = entry["epoch"] / max(1, entry.get("epochs") or 1)
        reporter.update(
            progress=0.02 + 0.85 * fraction, message=f"epoch {entry['epoch']}: loss {entry['loss']:.5f}", epoch=entry
        )

    result = dae_train(images, config, device=device, on_epoch=on_epoch)
    reporter.update(progress=0.9, message="Measuring PSNR on the test split")
    test, _ = dataset_load(dataset, "test", data_dir=_data_dir())
    test = test[: options["test_count"] or 2000]
    noisy, denoised = denoise_pairs_make(result.model_build(device), test, seed=0)
    metrics = {
        **result.metrics,
        "test_psnr": float(psnr(test, denoised).mean()),
        "test_psnr_noisy": float(psnr(test, noisy).mean()),
        "test_images": int(test.shape[0]),
    }
    checkpoint = artifact_write(
        f"gallery/{dataset}/{job.id}/dae.pt",
        lambda path: dae_save(path, result.state, config, metrics=metrics, history=result.history),
    )
    activate = options["activate"] is not False
    version = model_version_create(
        kind=role_for_model("dae"),
        dataset=dataset,
        name="dae",
        config={**config.to_dict(), "overrides": overrides, "device": device},
        metrics=metrics,
        history=result.history,
        artifacts={"checkpoint": checkpoint},
        job=job,
        card=(
            f"Denoising autoencoder on {dataset} (noise std {config.noise_std}): test PSNR "
            f"{metrics['test_psnr']:.2f} dB vs {metrics['test_psnr_noisy']:.2f} dB noisy; "
            f"reproduce: {_command(dataset, 'dae', overrides)}"
        ),
        activate=activate,
        user=job.created_by,
    )
    return {"model_version": version.id, "version": version.version, "kind": version.kind, "metrics": metrics}


def gallery_denoise_demo_job(job, reporter) -> dict:
    from apps.gallery.ml.checkpoint import dae_load
    from apps.gallery.ml.denoising import denoise_pairs_make

    p = job.params
    version = ModelVersion.objects.get(id=p["model_version"])
    count = p["count"]
    kinds = (ImageKind.ORIGINAL, ImageKind.NOISY, ImageKind.DENOISED)
    entries = []
    if images_missing(job=job, wanted=[(kind, i) for kind in kinds for i in range(count)]):
        reporter.update(progress=0.1, message=f"Denoising {count} noisy test images")
        info = version.artifacts["checkpoint"]
        model = _models.get(
            (version.id, info["sha256"]), lambda: dae_load(artifact_verify(info), device=device_resolve())
        )
        images, labels = dataset_load(version.dataset, "test", data_dir=_data_dir())
        chosen = np.sort(np.random.default_rng(p["seed"]).choice(images.shape[0], size=count, replace=False))
        clean = images[chosen]
        noisy, denoised = denoise_pairs_make(model, clean, noise_std=p.get("noise_std"), seed=p["seed"])
        names = dataset_class_names(version.dataset)
        for i in range(count):
            label = {"label": names[int(labels[chosen[i]])], "label_index": int(labels[chosen[i]]), "seed": p["seed"]}
            for kind, pixels in zip(kinds, (clean[i], noisy[i], denoised[i]), strict=True):
                entries.append(ImageEntry(kind=kind, position=i, pixels=pixels, **label))
    return _result(images_store(job=job, model_version=version, entries=entries))
