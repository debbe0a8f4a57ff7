"""`gallery_export_weights [VERSION_ID ...] [--checkpoint PATH ...]`: ship trained gallery models with the code.

Model versions (trained by `train vae`) or checkpoints `benchmarks.gallery_mnist` wrote (on a GPU
machine, say, where there is no database). Writes each one's weights in fp16 (half the bytes; the
loader casts back to fp32) to apps/gallery/weights/<dataset>-<model>.pt, records it in weights.json
(read by seed_demo) and rewrites MODEL_CARD.md beside it: data set, config, the command that trained
it, metrics, sha256.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.artifacts import artifact_verify, benchmark_checkpoint_read, file_sha256
from apps.core.models import ModelVersion
from apps.gallery.demo import MANIFEST_NAME, WEIGHTS_DIR, weights_manifest
from apps.gallery.slots import SLOT_FOR_MODEL, VAE_KIND

CARD_METRICS = ("neg_elbo", "recon", "kl", "iwae_nll", "iwae_k", "test_images", "binarized_neg_elbo",
                "binarized_iwae_nll", "epochs_run", "train_images", "parameters", "seconds",
                "stopped_by_budget")  # fmt: skip
# The published figure binarised MNIST likelihoods are read against (VAE, Burda et al. 2015, their NLL
# estimated with K=5000 importance samples on all 10,000 test images).
MNIST_PUBLISHED_NLL = 86.76


def protocol_line(metrics: dict) -> str | None:
    """The binarised-MNIST NLL said plainly: its K, how many test images, how far from the literature."""
    nll = metrics.get("binarized_iwae_nll")
    if not isinstance(nll, int | float):
        return None
    return (
        f"- binarised MNIST (the literature's protocol): test NLL {nll:.2f} nats by the IWAE bound with "
        f"K={metrics.get('iwae_k')} on {metrics.get('test_images'):,} test images (neg. ELBO "
        f"{metrics.get('binarized_neg_elbo', float('nan')):.2f}); published VAE: {MNIST_PUBLISHED_NLL} nats "
        f"(Burda et al. 2015, K=5000), {nll - MNIST_PUBLISHED_NLL:+.2f} nats from it"
    )


def command_of(version: ModelVersion) -> str:
    sets = "".join(f" --set {k}={json.dumps(v)}" for k, v in (version.config.get("overrides") or {}).items())
    return f"python manage.py train vae --dataset {version.dataset} --model {version.name}{sets}"


def card_write(folder: Path, entries: list[dict]) -> None:
    lines = [
        "# Gallery model card",
        "",
        "Weights shipped so the gallery shows good images at once. Each file was trained by the",
        "project's own command (below) and exported with `manage.py gallery_export_weights` (fp16).",
        "`seed_demo` checks the sha256 and registers each file as the first version of its slot.",
        "Data: the training split of the data set; metrics: its test split, in nats per image.",
        "",
    ]
    for e in entries:
        lines += [
            f"## {e['file']}",
            "",
            f"- kind `{e['kind']}`, slot `{e['slot']}`; data set: {e['dataset']}; model: {e['name']}",
            f"- command: `{e['command']}`",
            f"- sha256: `{e['sha256']}` ({e['bytes']:,} bytes)",
            "- config: `" + json.dumps({k: v for k, v in e["config"].items() if k != "overrides"}) + "`",
            "- metrics: " + ", ".join(f"{k} {e['metrics'][k]:.4g}" if isinstance(e["metrics"][k], float)
                                      else f"{k} {e['metrics'][k]}" for k in CARD_METRICS if k in e["metrics"]),
            *filter(None, [protocol_line(e["metrics"])]),
            "",
        ]  # fmt: skip
    (folder / "MODEL_CARD.md").write_text("\n".join(lines))


def _half_write(payload: dict, folder: Path, name: str) -> dict:
    """Write the payload's weights in fp16 as folder/name, read them back; the file's manifest fields."""
    from apps.core.ml.checkpoint import checkpoint_save
    from apps.gallery.ml.checkpoint import FORMAT_VERSION, VAE_FORMAT, checkpoint_read

    checkpoint_save(
        folder / name,
        fmt=VAE_FORMAT,
        version=FORMAT_VERSION,
        state={k: v.half() if v.is_floating_point() else v for k, v in payload["state"].items()},
        config=payload["config"],
        metrics=payload["metrics"],
        history=[],  # kept in weights.json; the file holds what loading needs
    )
    checkpoint_read(folder / name)  # reads back before it is listed
    return {"file": name, "sha256": file_sha256(folder / name), "bytes": (folder / name).stat().st_size}


def version_export(version: ModelVersion, folder: Path) -> dict:
    from apps.gallery.ml.checkpoint import checkpoint_read

    payload = checkpoint_read(artifact_verify(version.artifacts["checkpoint"]))
    return {
        **_half_write(payload, folder, f"{version.dataset}-{version.name}.pt"),
        "kind": version.kind,
        "slot": version.slot,
        "dataset": version.dataset,
        "name": version.name,
        "config": version.config,
        "metrics": version.metrics,
        "history": version.history,
        "command": command_of(version),
        "card": version.card,
    }


def checkpoint_export(path: Path, folder: Path) -> dict:
    """A checkpoint of benchmarks.gallery_mnist as the shipped weights of its model's slot."""
    from apps.core.ml.vae.config import VaeConfig
    from apps.gallery.ml.checkpoint import checkpoint_read

    try:
        payload = benchmark_checkpoint_read(checkpoint_read, path, "benchmarks.gallery_mnist")
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    config = VaeConfig.from_dict(payload["config"])
    metrics = dict(payload["metrics"])
    if metrics.get("binarized"):  # the benchmark scores the binarised test set: the protocol line's figures
        metrics |= {"binarized_neg_elbo": metrics["neg_elbo"], "test_images": metrics.get("count")}
        if "iwae_nll" in metrics:
            metrics["binarized_iwae_nll"] = metrics["iwae_nll"]
    return {
        **_half_write(payload, folder, f"{config.dataset}-{config.model}.pt"),
        "kind": VAE_KIND,
        "slot": SLOT_FOR_MODEL[config.model],
        "dataset": config.dataset,
        "name": config.model,
        "config": config.to_dict(),
        "metrics": metrics,
        "history": payload.get("history", []),
        "command": payload["made_by"],
        "card": f"Exported from the checkpoint {path.name} (sha256 {file_sha256(path)[:12]}).",
    }


class Command(BaseCommand):
    help = "Copy gallery model versions (fp16) into apps/gallery/weights/ with a model card, for seed_demo."

    def add_arguments(self, parser) -> None:
        parser.add_argument("version_ids", nargs="*", type=int)
        parser.add_argument("--checkpoint", type=Path, action="append", default=[],
                            help="a checkpoint written by benchmarks.gallery_mnist (repeatable)")  # fmt: skip
        parser.add_argument("--out", default=str(WEIGHTS_DIR), help="folder (default: apps/gallery/weights)")

    def handle(self, *args, **options) -> None:
        if not options["version_ids"] and not options["checkpoint"]:
            raise CommandError("name a model version or a --checkpoint to export")
        folder = Path(options["out"])
        folder.mkdir(parents=True, exist_ok=True)
        entries = {(e["kind"], e["slot"], e["dataset"]): e for e in weights_manifest(folder)}
        versions = []
        for version_id in options["version_ids"]:  # all looked up before anything is written
            version = ModelVersion.objects.filter(id=version_id, kind=VAE_KIND).first()
            if version is None:
                raise CommandError(f"no gallery model version {version_id}")
            versions.append(version)
        made = [version_export(version, folder) for version in versions]
        made += [checkpoint_export(path, folder) for path in options["checkpoint"]]
        for entry in made:
            entries[(entry["kind"], entry["slot"], entry["dataset"])] = entry
            self.stdout.write(f"{entry['file']}: {entry['bytes']:,} bytes, sha256 {entry['sha256']}")
        ordered = sorted(entries.values(), key=lambda e: (e["dataset"], e["kind"], e["slot"]))
        (folder / MANIFEST_NAME).write_text(json.dumps({"weights": ordered}, indent=1, default=float) + "\n")
        card_write(folder, ordered)
