"""The skeleton every trainer shares, so an app writes only its model's part.

Web side: `training_params_check` validates `{"dataset", "model", "config"}` of a training
request (the defaults, the choices, the job options, the model's own settings through its
config class) before anything is stored. Worker side: `TrainingRun` is what a training
handler works with: its parsed params, the device, an epoch reporter for the progress bar,
artifact writes with sha256, and `register`, which makes (and activates) the model version
and returns the job's result. Nothing here imports torch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from apps.core.artifacts import artifact_write
from apps.core.errors import InvalidInput
from apps.core.ml.config import Config, ConfigError
from apps.core.selectors import model_version_same_as_active
from apps.core.services import model_version_create

ACTIVATE = "activate"  # a job option every training has: make the new version the active one (default true)


def dataset_choice(datasets: Sequence[str], default: str | Callable[[], str]) -> Callable[[str, str], str]:
    """A `dataset_resolve` for a fixed list of data sets, whatever the model (lower-cased, default when empty)."""

    def resolve(value: str, model: str = "") -> str:
        slug = (value or (default() if callable(default) else default)).lower()
        if slug not in datasets:
            raise InvalidInput("dataset", f"must be one of {', '.join(datasets)}, not {value!r}")
        return slug

    return resolve


def training_params_check(
    params: dict[str, Any],
    *,
    dataset_resolve: Callable[[str, str], str],
    models: Sequence[str],
    default_model: str,
    config_check: Callable[[str, str, dict[str, Any]], object],
    options: Mapping[str, Callable[[Any], Any]] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """{"dataset", "model", "config"} with defaults filled in, or InvalidInput naming the bad field.

    `dataset_resolve(value, model)` returns the data set's slug ("" asks for the default) or raises
    (InvalidInput, NotFound). `config_check(dataset, model, settings)` builds the model's config from the settings (the
    config minus the job options) and raises ConfigError naming a bad one. `aliases` renames
    settings people type in short (`latent` → `latent_dim`) before anything else sees them.
    """
    model = params.get("model") or default_model
    if model not in models:
        raise InvalidInput("model", f"must be one of {', '.join(models)}, not {model!r}")
    dataset = dataset_resolve(str(params.get("dataset") or ""), model)
    config = params.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidInput("config", "must be an object of training settings")
    config = {(aliases or {}).get(key, key): value for key, value in config.items()}
    checks = {ACTIVATE: _bool_option, **(options or {})}
    for key, check in checks.items():
        if key in config:
            try:
                config[key] = check(config[key])
            except ValueError as exc:
                raise InvalidInput(f"config.{key}", str(exc)) from None
    settings = {key: value for key, value in config.items() if key not in checks}
    for key in ("dataset", "model"):
        if key in settings:
            raise InvalidInput("config", f"name the {key} in '{key}', not inside 'config'")
    try:
        config_check(dataset, model, settings)
    except ConfigError as exc:
        raise InvalidInput(f"config.{exc.field}", exc.message) from None
    return {"dataset": dataset, "model": model, "config": config}


def _bool_option(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


class TrainingRun:
    """One training job as every trainer runs it. Worker side only (`device` resolves torch's device)."""

    def __init__(self, job, reporter, *, training: str, options: Sequence[str] = ()) -> None:
        from apps.core.device import device_resolve

        self.job, self.reporter, self.training = job, reporter, training
        self.dataset: str = job.params.get("dataset", "")
        self.model: str = job.params.get("model", "")
        config = dict(job.params.get("config") or {})
        # An explicit `activate: true` activates even a version that repeats the active one (see `register`).
        self.activate_asked = config.get(ACTIVATE) is True
        self.activate = config.pop(ACTIVATE, True) is not False
        # What the person asked for, recorded on the version: the admin's retrain repeats it.
        self.overrides = config
        self.options = {key: config.get(key) for key in options}
        self.settings = {key: value for key, value in config.items() if key not in options}
        self.device = device_resolve()

    def progress(self, fraction: float, message: str) -> None:
        self.reporter.update(progress=fraction, message=message)

    def epoch_reporter(self, start: float, end: float, describe: Callable[[dict], str]) -> Callable[[dict], None]:
        """on_epoch(entry) for a training loop: progress from `start` to `end`, the entry in the job's history."""

        def on_epoch(entry: dict) -> None:
            fraction = entry["epoch"] / max(1, entry.get("epochs") or 1)
            self.reporter.update(progress=start + (end - start) * fraction, message=describe(entry), epoch=entry)

        return on_epoch

    def artifact_write(self, filename: str, writer: Callable, *, dataset: str = "") -> dict:
        """{"path", "sha256", "bytes"} of a file written atomically into this job's artifact folder."""
        return artifact_write(f"{self.training}/{dataset or self.dataset}/{self.job.id}/{filename}", writer)

    def command(self, dataset: str = "") -> str:
        """The command line that repeats this training."""
        sets = "".join(
            f" --set {key}={value if isinstance(value, str) else json.dumps(value)}"
            for key, value in self.overrides.items()
        )
        return f"manage.py train {self.training} --dataset {dataset or self.dataset} --model {self.model}{sets}"

    def register(
        self,
        *,
        kind: str,
        config: dict[str, Any] | Config,
        metrics: dict[str, Any],
        artifacts: dict[str, dict],
        card: str,
        slot: str = "default",
        dataset: str = "",
        history: list | None = None,
        baselines: dict | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Register the trained model (active unless the job said `activate: false`); the job's result.

        `history` defaults to the epochs reported through `epoch_reporter`."""
        dataset = dataset or self.dataset
        if isinstance(config, Config):
            config = config.to_dict()
        config = {**config, "overrides": self.overrides, "device": self.device}
        # A retrain that computed what is already active (same settings, same data, same figures) would only
        # move the pointer to a copy: it stays inactive, and the job's message says why.
        same = None
        if self.activate and not self.activate_asked:
            same = model_version_same_as_active(kind=kind, dataset=dataset, slot=slot, config=config, metrics=metrics)
        activate = self.activate and same is None
        version = model_version_create(
            kind=kind,
            dataset=dataset,
            slot=slot,
            name=self.model,
            config=config,
            metrics=metrics,
            baselines=baselines,
            history=self.reporter.history if history is None else history,
            artifacts=artifacts,
            job=self.job,
            card=f"{card}; trained on {self.device}; reproduce: {self.command(dataset)}",
            activate=activate,
            user=self.job.created_by,
        )
        result = {
            "model_version": version.id,
            "version": version.version,
            "kind": kind,
            "slot": slot,
            "metrics": metrics,
            "activated": activate,
        }
        if same is not None:
            extra["activation"] = (
                f"Kept inactive: its metrics equal those of the active {same.name} v{same.version} "
                "(same settings and data)."
            )
        if baselines is not None:
            result["baselines"] = baselines
        return {**result, **extra}
