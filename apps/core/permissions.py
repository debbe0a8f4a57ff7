"""Who may do what: each staff operation and the Django model permission it needs (README "Permissions").

Reading, fold-in, generation and denoising are open to everyone. The operations below are for
staff users holding the named permission (superusers hold them all); the API, the admin and the
pages all ask `user_may`, so a user the admin refuses is refused by the API too.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

# Built-in model permissions (no migration): granted in the admin per user or group.
PERM_TRAIN = "core.add_job"  # start training: POST /api/jobs/, the admin's "retrain"
PERM_JOB_CHANGE = "core.change_job"  # cancel or retry a job
PERM_JOB_VIEW = "core.view_job"  # list everyone's jobs (GET /api/jobs/, the home page)
PERM_ACTIVATE = "core.change_activemodel"  # activate a model version, roll back

WHAT = {
    PERM_TRAIN: "start training",
    PERM_JOB_CHANGE: "cancel or retry jobs",
    PERM_JOB_VIEW: "list everyone's jobs",
    PERM_ACTIVATE: "activate or roll back model versions",
}


def user_may(user, perm: str) -> bool:
    """A superuser, or an active staff user holding `perm` ("app_label.codename")."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or (user.is_staff and user.has_perm(perm))


class StaffPermission(BasePermission):
    """DRF permission: `user_may(request.user, perm)`; see `staff_with`."""

    perm = ""

    def has_permission(self, request, view) -> bool:
        return user_may(request.user, self.perm)


def staff_with(perm: str) -> type[StaffPermission]:
    """A permission class for a view: staff users holding `perm`, and superusers."""
    message = f"Only staff users with the {perm} permission may {WHAT.get(perm, 'do this')}."
    return type(f"StaffWith_{perm.replace('.', '_')}", (StaffPermission,), {"perm": perm, "message": message})
