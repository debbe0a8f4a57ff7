"""The worker side of `train inpainter` (contract: Training "inpainter", validator
apps.inpaint.training_config.training_params_validate).

fashion-mnist / mnist → the 28×28 items encoder–decoder, evaluated on the first 1,000 test images
with the centre 14×14 mask and 50 % random pixels; train400 → the photo gated-conv U-Net, evaluated
on Set12 and the colour samples with free-form masks covering 10/25/40 %. Every baseline is measured
on the same images and masks in the same job (metrics in `baselines[name]`, same keys as the model's).
The run itself is apps.inpaint.ml.run.inpainter_run, the code the shipped weights were exported with.
Registers a ModelVersion kind "inpainter", slot "default", name = the model; artifacts: "checkpoint"
(items: the PCA-64 basis inside it too) and, for items, "pca" (pca.npz). The contract imports this
module in every process: torch is imported inside the handler only.
"""

from __future__ import annotations

from django.conf import settings

from apps.core.training import TrainingRun

INPAINTER_KIND = "inpainter"


def _describe(entry: dict) -> str:
    return f"epoch {entry['epoch']}: loss {entry['loss']:.4f}, {entry['seconds']:.0f} s"


def inpainter_train_job(job, reporter) -> dict:
    """`train inpainter --dataset fashion-mnist|mnist|train400`: {"model_version", "metrics", "baselines", ...}."""
    from apps.inpaint.ml.baselines import pca_save
    from apps.inpaint.ml.checkpoint import inpainter_save
    from apps.inpaint.ml.config import InpainterConfig
    from apps.inpaint.ml.evaluate import ITEM_TEST_COUNT
    from apps.inpaint.ml.run import best_baseline, inpainter_run

    run = TrainingRun(job, reporter, training="inpainter", options=("test_count",))
    config = InpainterConfig.from_dict({**run.settings, "model": run.model})

    def on_epoch(entry: dict) -> None:
        # Budgeted by time as much as by epochs: the bar follows the spent fraction of the budget.
        reporter.update(progress=0.02 + 0.83 * entry["fraction"], message=_describe(entry), epoch=entry)

    result = inpainter_run(
        run.dataset,
        config,
        device=run.device,
        data_dir=settings.AEWEB_DATA_DIR or None,
        status=run.progress,
        on_epoch=on_epoch,
        test_count=run.options.get("test_count") or ITEM_TEST_COUNT,
    )
    run.progress(0.97, "Saving the model")
    artifacts = {
        "checkpoint": run.artifact_write(
            "inpainter.pt",
            lambda path: inpainter_save(
                path, result.model, metrics=result.metrics, history=result.history, pca=result.pca
            ),
        )
    }
    if result.pca is not None:
        artifacts["pca"] = run.artifact_write("pca.npz", lambda path: pca_save(path, result.pca))
    m = result.metrics
    if config.model == "items":
        name, value = best_baseline(result.baselines, "centre_psnr")
        card = (
            f"Masked-input encoder–decoder on {run.dataset} ({m['parameters']:,} parameters, {m['steps']} steps in "
            f"{m['train_seconds']} s): centre 14×14 PSNR {m['centre_psnr']:.2f} dB (best baseline {name} "
            f"{value:.2f}), 50 % pixels {m['pixels50_psnr']:.2f} dB on {m['test_images']} test images"
        )
    else:
        key = "set12_cov25_psnr" if "set12_cov25_psnr" in m else "colour_cov25_psnr"
        name, value = best_baseline(result.baselines, key)
        card = (
            f"Gated-conv U-Net ({m['parameters']:,} parameters) on {result.source}, {m['steps']} steps in "
            f"{m['train_seconds']} s: {key} {m.get(key, float('nan')):.2f} dB (best baseline {name} {value:.2f})"
        )
    return run.register(
        kind=INPAINTER_KIND,
        config=config,
        metrics=m,
        baselines=result.baselines,
        artifacts=artifacts,
        card=card,
        history=result.history,
    )
