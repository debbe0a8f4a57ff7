"""Admin: cancel or retry jobs, activate or roll back model versions, retrain a model.

Each action asks for the permission the API asks for (apps.core.permissions): "view" is not enough.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from apps.core import registry, services
from apps.core.errors import ApplicationError
from apps.core.models import Activation, ActiveModel, Job, ModelVersion
from apps.core.permissions import PERM_ACTIVATE, PERM_JOB_CHANGE, PERM_TRAIN, user_may


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
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["cancel_jobs", "retry_jobs"]

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


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "dataset", "slot", "name", "version", "is_active", "created_at"]
    list_filter = ["kind", "dataset", "slot", "name"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate_version", "rollback", "retrain"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_activate_permission(self, request) -> bool:
        return user_may(request.user, PERM_ACTIVATE)

    has_train_permission = has_train_permission

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: ModelVersion) -> bool:
        return ActiveModel.objects.filter(model_version=obj).exists()

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

    @admin.action(description="Retrain: a new version with the same model and settings", permissions=["train"])
    def retrain(self, request, queryset):
        targets = [
            {
                "kind": _training_of(v.kind),
                "dataset": v.dataset,
                "model": v.name,
                "config": v.config.get("overrides", {}),
            }
            for v in queryset
        ]
        return training_start_many(self, request, targets)


@admin.register(ActiveModel)
class ActiveModelAdmin(admin.ModelAdmin):
    list_display = ["kind", "dataset", "slot", "model_version", "activated_at", "activated_by"]
    readonly_fields = ["kind", "dataset", "slot", "model_version", "activated_at", "activated_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Activation)
class ActivationAdmin(admin.ModelAdmin):
    list_display = ["kind", "dataset", "slot", "model_version", "activated_at", "activated_by"]
    readonly_fields = ["kind", "dataset", "slot", "model_version", "activated_at", "activated_by"]

    def has_add_permission(self, request) -> bool:
        return False
