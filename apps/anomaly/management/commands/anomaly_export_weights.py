"""`anomaly_export_weights VERSION_ID [--out apps/anomaly/weights]`: ship one-class image detectors.

Writes detectors.npz (the autoencoders, one per normal class, and their training codes in float16:
half the bytes; the AUCs measured on the float16 file are in docs/benchmarks.md), examples.npz (without data-set
images: see apps.anomaly.shipped), anomaly.json (what `seed_demo` reads: data set, config,
metrics, baselines, sha256s) and MODEL_CARD.md (the command, the figures beside the baselines).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.anomaly.shipped import DETECTORS, EXAMPLES, META_NAME, WEIGHTS_DIR, detectors_half, examples_strip
from apps.anomaly.slots import ANOMALY_KIND, IMAGE_DATASETS, detector_title
from apps.core.artifacts import artifact_verify, file_sha256
from apps.core.ml.image_datasets import dataset_class_names
from apps.core.models import ModelVersion


def command_of(version: ModelVersion) -> str:
    sets = "".join(f" --set {k}={json.dumps(v)}" for k, v in (version.config.get("overrides") or {}).items())
    return f"manage.py train anomaly --dataset {version.dataset} --model {version.name}{sets}"


def model_card(version: ModelVersion, meta: dict) -> str:
    names = dataset_class_names(version.dataset)
    auc, baselines = version.metrics["auc"], version.baselines or {}
    header = ["class", detector_title(version.name), *(detector_title(name) for name in baselines)]
    rows = [
        [f"{c} {names[int(c)]}", f"{auc[c]:.3f}", *(f"{b['auc'].get(c, float('nan')):.3f}" for b in baselines.values())]
        for c in auc
    ]
    rows.append(["**mean**", f"**{version.metrics['auc_mean']:.3f}**",
                 *(f"{b['auc_mean']:.3f}" for b in baselines.values())])  # fmt: skip
    table = "\n".join("| " + " | ".join(row) + " |" for row in [header, ["---"] * len(header), *rows])
    config = {k: v for k, v in version.config.items() if k not in ("overrides", "shipped")}
    return f"""# Anomaly detectors model card ({version.dataset}, one class normal)

- **Model**: {detector_title(version.name)}, one per normal class (apps/anomaly/ml/images.py); a test
  image's score is its blurred reconstruction error plus the distance of its code to the nearest
  training codes.
- **Training data**: the training images of each class of {version.dataset} (that class alone).
- **Made by**: `{command_of(version)}` (model version {version.id}), exported with
  `manage.py anomaly_export_weights {version.id}` (float16 weights and training codes; the loader casts
  them back; `python -m benchmarks.anomaly_images --shipped` scores this file).
- **Config**: `{json.dumps(config, sort_keys=True)}`
- **sha256**: {DETECTORS} `{meta["sha256"]["detectors"]}`, {EXAMPLES} `{meta["sha256"]["examples"]}`
- **Not shipped**: data-set images. The examples hold test indices, scores and error maps; `seed_demo`
  reads the images back from this machine's copy of {version.dataset}.

## ROC-AUC on {version.metrics["test_images"]:,} test images (the other classes are the anomalies)

{table}

Baselines measured in the same job, on the same images. Training notes: {version.card}
"""


class Command(BaseCommand):
    help = "Ship a one-class image anomaly version (detectors, examples, model card) for seed_demo."

    def add_arguments(self, parser) -> None:
        parser.add_argument("version_id", type=int)
        parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)

    def handle(self, *args, **options) -> None:
        version = ModelVersion.objects.filter(
            id=options["version_id"], kind=ANOMALY_KIND, dataset__in=IMAGE_DATASETS
        ).first()
        if version is None or not {"detectors", "examples"} <= set(version.artifacts):
            raise CommandError(f"no one-class image anomaly version {options['version_id']}")
        detectors, examples = (artifact_verify(version.artifacts[key]) for key in ("detectors", "examples"))
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        detectors_half(detectors, out / DETECTORS)
        examples_strip(examples, out / EXAMPLES)
        meta = {
            "name": version.name,
            "slot": version.slot,
            "dataset": version.dataset,
            "config": version.config,
            "metrics": version.metrics,
            "baselines": version.baselines,
            "history": version.history,
            "command": command_of(version),
            "sha256": {"detectors": file_sha256(out / DETECTORS), "examples": file_sha256(out / EXAMPLES)},
        }
        (out / META_NAME).write_text(json.dumps(meta, indent=2, default=float) + "\n")
        (out / "MODEL_CARD.md").write_text(model_card(version, meta))
        size = sum((out / name).stat().st_size for name in (DETECTORS, EXAMPLES))
        self.stdout.write(f"wrote {DETECTORS}, {EXAMPLES} ({size / 1e6:.2f} MB), {META_NAME}, MODEL_CARD.md to {out}")
