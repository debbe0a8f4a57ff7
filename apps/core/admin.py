"""Admin: cancel or retry jobs, activate or roll back model versions, retrain a model (through a form).

Each action asks for the permission the API asks for (apps.core.permissions): "view" is not enough.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core import registry, services
from apps.core.errors import ApplicationError, InvalidInput
from apps.core.metric_display import metric_format, metric_label, metric_main
from apps.core.models import Activation, ActiveModel, Job, ModelVersion
from apps.core.permissions import PERM_ACTIVATE, PERM_JOB_CHANGE, PERM_TRAIN, user_may

admin.site.site_header = "aeweb administration"
admin.site.site_title = "aeweb admin"
admin.site.index_title = "aeweb administration"
admin.site.site_url = "/"


def json_pretty(value) -> str:
    """Read-only JSON as people read it: sorted keys (PostgreSQL's jsonb has its own order), indented, monospace."""
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, default=str)
    return format_html('<pre class="json-pretty">{}</pre>', text)


def _report(modeladmin, request, fn, objects, done: str) -> None:
    count = 0
    for obj in objects:
        try:
            fn(obj)
            count += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if count:
        modeladmin.message_user(request, f"{done}: {count}.", messages.SUCCESS)


def has_train_permission(modeladmin, request) -> bool:
    """For `@admin.action(permissions=["train"])`: `has_train_permission = has_train_permission` on the admin."""
    return user_may(request.user, PERM_TRAIN)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "progress", "attempts", "created_at", "finished_at", "message"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields if f.name not in ("params", "history", "result")] + [
        "params_json",
        "result_json",
        "history_json",
        "page_link",
    ]
    actions = ["cancel_jobs", "retry_jobs"]

    @admin.display(description="params")
    def params_json(self, obj: Job) -> str:
        return json_pretty(obj.params)

    @admin.display(description="result")
    def result_json(self, obj: Job) -> str:
        return json_pretty(obj.result)

    @admin.display(description="history")
    def history_json(self, obj: Job) -> str:
        return json_pretty(obj.history)

    @admin.display(description="job page")
    def page_link(self, obj: Job) -> str:
        return format_html('<a href="{}">follow its progress on the site</a>', reverse("job", args=[obj.id]))

    def has_add_permission(self, request) -> bool:
        return False

    def has_job_change_permission(self, request) -> bool:
        return user_may(request.user, PERM_JOB_CHANGE)

    @admin.action(description="Cancel selected jobs", permissions=["job_change"])
    def cancel_jobs(self, request, queryset):
        _report(self, request, lambda job: services.job_cancel(job=job), queryset, "Cancelled")

    @admin.action(description="Retry selected failed/cancelled jobs", permissions=["job_change"])
    def retry_jobs(self, request, queryset):
        _report(self, request, lambda job: services.job_retry(job=job), queryset, "Queued again")


def training_redirect(modeladmin, request, jobs: list[Job]):
    """One job started: follow its progress on the job page; several: the job list."""
    if len(jobs) == 1:
        return HttpResponseRedirect(reverse("job", args=[jobs[0].id]))
    if jobs:
        modeladmin.message_user(request, f"Started {len(jobs)} training jobs.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:core_job_changelist"))
    return None


def training_start_many(modeladmin, request, targets: list[dict]):
    jobs = []
    for target in targets:
        try:
            jobs.append(services.training_job_start(user=request.user, **target))
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{target.get('dataset')}: {exc.message}", messages.ERROR)
    return training_redirect(modeladmin, request, jobs)


def _training_of(kind: str) -> str:
    """The `train KIND` that makes versions of a model kind (a kind no app declares retrains as itself)."""
    model_kind = registry.model_kind_get(kind)
    return model_kind.training if model_kind else kind


def _label(version: ModelVersion) -> str:
    """ "<name> v<version>", as the models page and the job page say it."""
    return f"{version.name} v{version.version}"


class RetrainForm(forms.Form):
    """The model and its settings, each prefilled with what `version` was trained with. Only the changed ones
    (and the version's own overrides) go to the training's validator, which refuses a bad one by name."""

    SKIP = ("overrides", "device", "model", "dataset", "activate")

    model = forms.ChoiceField(help_text="the architecture to train")
    activate = forms.BooleanField(
        required=False, initial=True, help_text="make the new version the active one when it is done"
    )

    def __init__(
        self, *args, version: ModelVersion, models: list[str], limits: dict[str, str] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.overrides = dict(version.config.get("overrides") or {})
        self.fields["model"].choices = [(name, name) for name in models]
        self.fields["model"].initial = version.name
        self.settings: dict[str, str] = {}  # form field -> setting
        config = {**version.config, **self.overrides}
        keys = sorted(config, key=lambda key: (key not in self.overrides, key))
        for key in keys:
            value = config[key]
            if key in self.SKIP or not _is_setting(value):
                continue
            name = f"set_{key}"
            self.settings[name] = key
            self.fields[name] = forms.CharField(
                label=key,
                required=False,
                initial=_as_text(value),
                help_text=f"trained with {_as_text(value) or 'none'}"
                + (" (set for that version)" if key in self.overrides else " (the default)")
                + (f"; {limits[key]}" if limits and limits.get(key) else ""),
            )

    def config(self) -> dict:
        """The settings to train with: the version's overrides, then every field that was changed."""
        config = dict(self.overrides)
        for name, key in self.settings.items():
            if name not in self.data:  # left out of the post (a script, an older form): as trained
                continue
            text = (self.cleaned_data.get(name) or "").strip()
            if text != self.fields[name].initial:
                config[key] = _from_text(text)
        if not self.cleaned_data.get("activate"):
            config["activate"] = False
        return config

    def error_from(self, exc: InvalidInput) -> None:
        """The validator's refusal on the field it names (config.epochs → the epochs field)."""
        for field, problems in exc.errors.items():
            key = field.removeprefix("config.")
            name = "model" if field == "model" else f"set_{key}"
            target = name if name in self.fields else None
            for problem in problems:
                self.add_error(target, problem if target else f"{field}: {problem}")


_TYPE_COMPLAINTS = ("must be an integer", "must be a number", "must be text", "must be true or false", "unknown")


def settings_limits(*, validator, params: dict, settings: dict) -> dict[str, str]:
    """{setting: "must be in 1..10000"}: the limits of the numeric settings, as the training's own validator
    states them when asked about a value far out of range on either side (no second copy of the rules)."""
    limits = {}
    for key, value in settings.items():
        if isinstance(value, bool) or not isinstance(value, int | float | None):
            continue
        far = 10**12 if isinstance(value, int) or value is None else 1e12
        found: list[str] = []
        for probe in (-far, far):
            config = {**(params.get("config") or {}), key: probe}
            try:
                validator({**params, "config": config})
            except InvalidInput as exc:
                for field, problems in exc.errors.items():
                    if field == f"config.{key}":
                        text = problems[0].split(", not ")[0].split(", got ")[0]
                        if not text.startswith(_TYPE_COMPLAINTS) and text not in found:
                            found.append(text)
            except ApplicationError:
                continue
        if found:
            limits[key] = "; ".join(found)
    return limits


def _is_setting(value) -> bool:
    scalar = (str, int, float, bool, type(None))
    return isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))


def _as_text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _from_text(text: str):
    """As `train --set key=value` reads a value: JSON when it parses (numbers, true, lists), else the text."""
    if text == "":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    # Compact: the label, the pointer it is for, the main figure, active, when. Kind, data set, slot and name
    # are filters, so the list fits 1366 px without cutting a column.
    list_display = ["label", "target", "main_metric", "is_active", "created"]
    list_display_links = ["label"]
    list_filter = ["kind", "dataset", "slot", "name"]
    fields = [
        "label",
        "target",
        "is_active",
        "retrain_link",
        "main_metric",
        "created_at",
        "job",
        "card",
        "metrics_json",
        "baselines_json",
        "config_json",
        "history_json",
        "artifacts_json",
    ]
    readonly_fields = fields
    actions = ["activate_version", "rollback", "retrain"]

    def get_queryset(self, request):
        active = ActiveModel.objects.filter(model_version=OuterRef("pk"))
        return super().get_queryset(request).select_related("job").annotate(active=Exists(active))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_activate_permission(self, request) -> bool:
        return user_may(request.user, PERM_ACTIVATE)

    has_train_permission = has_train_permission

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Read-only: no Save buttons that would only answer 403 (a version is immutable).
        buttons = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**buttons, **(extra_context or {})})

    def get_urls(self):
        retrain = self.admin_site.admin_view(self.retrain_view)
        return [path("<int:object_id>/retrain/", retrain, name="core_modelversion_retrain"), *super().get_urls()]

    @admin.display(description="version", ordering="version")
    def label(self, obj: ModelVersion) -> str:
        return _label(obj)

    @admin.display(description="for", ordering="kind")
    def target(self, obj: ModelVersion) -> str:
        return obj.target

    @admin.display(description="main metric")
    def main_metric(self, obj: ModelVersion) -> str:
        main = metric_main(obj.metrics)
        return f"{metric_label(main[0])} {metric_format(main[0], main[1])}" if main else "—"

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: ModelVersion) -> bool:
        active = getattr(obj, "active", None)
        return ActiveModel.objects.filter(model_version=obj).exists() if active is None else active

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: ModelVersion) -> str:
        return f"{obj.created_at:%Y-%m-%d %H:%M}"

    @admin.display(description="retrain")
    def retrain_link(self, obj: ModelVersion) -> str:
        url = reverse("admin:core_modelversion_retrain", args=[obj.id])
        return format_html('<a href="{}">Retrain with these settings, or changed ones…</a>', url)

    @admin.display(description="metrics")
    def metrics_json(self, obj: ModelVersion) -> str:
        return json_pretty(obj.metrics)

    @admin.display(description="baselines")
    def baselines_json(self, obj: ModelVersion) -> str:
        return json_pretty(obj.baselines)

    @admin.display(description="config")
    def config_json(self, obj: ModelVersion) -> str:
        return json_pretty(obj.config)

    @admin.display(description="history")
    def history_json(self, obj: ModelVersion) -> str:
        return json_pretty(obj.history)

    @admin.display(description="artifacts")
    def artifacts_json(self, obj: ModelVersion) -> str:
        return json_pretty(obj.artifacts)

    @admin.action(description="Activate the selected version", permissions=["activate"])
    def activate_version(self, request, queryset):
        _report(
            self,
            request,
            lambda v: services.model_version_activate(model_version=v, user=request.user),
            queryset,
            "Activated",
        )

    @admin.action(description="Roll back to the previously active version", permissions=["activate"])
    def rollback(self, request, queryset):
        targets = {(v.kind, v.dataset, v.slot) for v in queryset}
        for kind, dataset, slot in targets:
            try:
                active = services.model_version_rollback(kind=kind, dataset=dataset, slot=slot, user=request.user)
                self.message_user(request, f"{active}.", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description="Retrain the selected version (choose the settings first)", permissions=["train"])
    def retrain(self, request, queryset):
        versions = list(queryset[:2])
        if len(versions) != 1:
            self.message_user(request, "Select one version to retrain: its settings are the form's.", messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("admin:core_modelversion_retrain", args=[versions[0].id]))

    def retrain_view(self, request, object_id: int):
        """GET: the form, prefilled from the version. POST: the job starts (then its page), or the form again
        with the validator's refusal on the field it names, and nothing started."""
        if not user_may(request.user, PERM_TRAIN):
            raise PermissionDenied
        version = self.get_object(request, str(object_id))
        if version is None:
            raise Http404(f"No model version {object_id}.")
        names = ModelVersion.objects.filter(kind=version.kind).values_list("name", flat=True).distinct()
        models = sorted({version.name, *names})
        training = registry.training_get(_training_of(version.kind), version.name)
        limits = {}
        if training is not None:
            params = {"dataset": version.dataset, "model": version.name, "config": version.config.get("overrides", {})}
            settings = {key: value for key, value in version.config.items() if key not in RetrainForm.SKIP}
            limits = settings_limits(validator=training.validator, params=params, settings=settings)
        form = RetrainForm(request.POST or None, version=version, models=models, limits=limits)
        if request.method != "POST":
            self._retrain_precheck(request, version)
        elif form.is_valid():
            try:
                job = services.training_job_start(
                    user=request.user,
                    kind=_training_of(version.kind),
                    dataset=version.dataset,
                    model=form.cleaned_data["model"],
                    config=form.config(),
                )
            except InvalidInput as exc:
                form.error_from(exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"Training started from {_label(version)}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("job", args=[job.id]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": version,
            "label": _label(version),
            "form": form,
            "title": f"Retrain {_label(version)} ({version.target})",
        }
        return TemplateResponse(request, "admin/core/modelversion/retrain.html", context)

    def _retrain_precheck(self, request, version: ModelVersion) -> None:
        """Say at once when the version's own settings cannot train any more (its data set was deleted, ...)."""
        training = registry.training_get(_training_of(version.kind), version.name)
        params = {"dataset": version.dataset, "model": version.name, "config": version.config.get("overrides", {})}
        try:
            if training is None:
                raise InvalidInput("kind", f"no app trains {version.kind!r} models any more")
            training.validator(params)
        except ApplicationError as exc:
            self.message_user(request, f"{_label(version)} cannot be retrained as it is: {exc.message}", messages.ERROR)


class _PointerAdmin(admin.ModelAdmin):
    """An active pointer or one of its moves: the version named as everywhere else ("conv v3")."""

    list_display = ["kind", "dataset", "slot", "version", "activated_at", "activated_by"]
    readonly_fields = ["kind", "dataset", "slot", "model_version", "activated_at", "activated_by"]
    list_select_related = ["model_version", "activated_by"]

    @admin.display(description="version", ordering="model_version__version")
    def version(self, obj) -> str:
        return _label(obj.model_version)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ActiveModel)
class ActiveModelAdmin(_PointerAdmin):
    pass


@admin.register(Activation)
class ActivationAdmin(_PointerAdmin):
    pass
