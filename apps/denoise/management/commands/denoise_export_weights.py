"""`denoise_export_weights (VERSION_ID | --checkpoint PATH) [--out apps/denoise/weights] [--fp32]`.

Ships a trained denoiser: writes denoiser.pt (fp16 weights by default: half the size, no
measurable PSNR change at 8-bit output), denoiser.json (what `seed_demo` reads: data set, config,
metrics, sha256, provenance) and MODEL_CARD.md. The weights come from a version trained by
`manage.py train denoiser`, or from a checkpoint `benchmarks.denoise_train` wrote (on any
machine: a GPU run's comes back as a file), which carries its own command and lineage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.artifacts import artifact_verify, benchmark_checkpoint_read, file_sha256
from apps.core.models import ModelVersion
from apps.denoise.ml.config import PHOTO_DATASETS, SIGMA_WEIGHT_FLOOR
from apps.denoise.selectors import DENOISER_KIND
from apps.denoise.services import WEIGHTS_DIR


def _seconds(value: Any) -> str:
    return f"{value:,.0f} s" if isinstance(value, int | float) else "? s"


def model_card(meta: dict, made: str, notes: str = "") -> str:
    from apps.denoise.ml.shipped import made_by_command

    metrics = meta["metrics"]
    # benchmarks.denoise_train also measures "best quality" (the self-ensemble); older runs did not
    prefixes = ("set12", "set12_ensemble") if "set12_ensemble_psnr_sigma15" in metrics else ("set12",)
    nan = float("nan")
    rows = "".join(
        f"| {s} | "
        + " | ".join(
            f"{metrics.get(f'{p}_psnr_sigma{s}', nan):.2f} | {metrics.get(f'{p}_ssim_sigma{s}', nan):.4f}"
            for p in prefixes
        )  # fmt: skip
        + " |\n"
        for s in (15, 25, 50)
    )
    header = "| sigma | PSNR (dB) | SSIM |" + " best quality: PSNR (dB) | SSIM |" * (len(prefixes) > 1)
    rule = "| --- | --- | --- |" + " --- | --- |" * (len(prefixes) > 1)
    weighting = (
        f"; each patch's loss divided by its sigma, floored at {SIGMA_WEIGHT_FLOOR:g}"
        if meta["config"].get("loss_weight") == "sigma"
        else ""
    )
    continued = "".join(
        f"\n- **Continued from** weights `{run['sha256'][:12]}`, made by `{run['made_by']}` on {run['device']} "
        f"in {_seconds(run.get('train_seconds'))}."
        for run in meta.get("lineage", [])
    )
    return f"""# Denoiser model card

- **Model**: {meta["name"]} — a noise-level-conditioned convolutional encoder-decoder (U-Net style, residual
  learning), {metrics.get("parameters", "?")} parameters; apps/denoise/ml/model.py.
- **Training data**: {meta["dataset"]} (random patches, sigma uniform in
  {meta["config"].get("sigma_min")}..{meta["config"].get("sigma_max")} on the 0-255 scale{weighting}).
- **Made by**: `{made_by_command(meta)}` {made} ({meta["precision"]} weights).{continued}
- **Config**: `{json.dumps(meta["config"], sort_keys=True)}`
- **sha256** of denoiser.pt: `{meta["sha256"]}`

## Set12, grayscale, additive white Gaussian noise

{header}
{rule}
{rows}{f"{chr(10)}Training notes: {notes}{chr(10)}" if notes else ""}"""


class Command(BaseCommand):
    help = "Ship a trained denoiser (a model version, or a benchmark checkpoint) as the weights seed_demo registers."

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("version_id", type=int, nargs="?", help="a photo denoiser's model version id")
        source.add_argument("--checkpoint", type=Path, help="a checkpoint written by benchmarks.denoise_train")
        parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
        parser.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16)")

    def handle(self, *args, **options) -> None:
        from apps.denoise.ml.checkpoint import checkpoint_read, denoiser_save
        from apps.denoise.ml.config import DenoiserConfig

        if options["checkpoint"] is not None:
            path, version = options["checkpoint"], None
            try:
                payload = benchmark_checkpoint_read(checkpoint_read, path, "benchmarks.denoise_train")
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        else:
            # The photo denoiser only: the 28×28 demo autoencoders are `denoiser` versions too, but
            # cheap to train and in another checkpoint format.
            found = ModelVersion.objects.filter(id=options["version_id"], kind=DENOISER_KIND)
            version = found.filter(dataset__in=PHOTO_DATASETS).first()
            if version is None:
                what = "is a 28×28 demo autoencoder, not a photo denoiser" if found.exists() else "does not exist"
                raise CommandError(f"denoiser model version {options['version_id']} {what}")
            path = artifact_verify(version.artifacts["checkpoint"])
            payload = checkpoint_read(path)
        precision = "fp32" if options["fp32"] else "fp16"
        state = payload["state"]
        if precision == "fp16":
            state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        config = DenoiserConfig.from_dict(payload["config"])
        metrics = version.metrics if version else payload["metrics"]
        checkpoint = denoiser_save(out / "denoiser.pt", state, config, metrics=metrics)
        meta = {"name": version.name if version else "unet", "config": config.to_dict(), "metrics": metrics,
                "history": version.history if version else payload["history"], "precision": precision}  # fmt: skip
        if version:
            meta |= {
                "dataset": version.dataset,
                "overrides": version.config.get("overrides", {}),
                "source_version": {"id": version.id, "version": version.version, "sha256": version.artifact_sha256()},
            }
            made, notes = (f"(model version {version.id}, {version.kind}/{version.dataset} v{version.version}), "
                           f"exported with `manage.py denoise_export_weights {version.id}`"), version.card  # fmt: skip
        else:
            meta |= {key: payload[key] for key in ("dataset", "made_by", "device", "lineage")}
            meta["source_checkpoint"] = file_sha256(path)
            made, notes = (f"on {payload['device']} in {_seconds(metrics.get('train_seconds'))}, exported with "
                           f"`manage.py denoise_export_weights --checkpoint {path}`"), ""  # fmt: skip
        meta["sha256"] = file_sha256(checkpoint)
        (out / "denoiser.json").write_text(json.dumps(meta, indent=2, default=float) + "\n")
        (out / "MODEL_CARD.md").write_text(model_card(meta, made, notes))
        size = checkpoint.stat().st_size
        self.stdout.write(f"wrote {checkpoint} ({size / 1e6:.2f} MB, {precision}), denoiser.json, MODEL_CARD.md")
