"""The jobs a visitor started, so pages can list theirs and nobody else's (README "Job visibility").

A signed-in user's jobs are found by `Job.created_by`; an anonymous visitor's by the ids kept in
their session here, written by every API view that starts a job. Anyone holding a job's id (an
unguessable UUID) can still read it at /api/jobs/{id}/ and /jobs/{id}/, as a denoising result is
read by its id: an API client without a session polls the id it was answered.
"""

from __future__ import annotations

import uuid

SESSION_KEY = "aeweb_jobs"
SESSION_JOBS_MAX = 50  # the newest ones; the home page shows 8


def session_job_remember(request, job) -> None:
    """Keep the id of a job an anonymous visitor just started in their session (signed-in users: created_by)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if session is None or (user is not None and user.is_authenticated):
        return
    ids = [str(job.id), *(i for i in session.get(SESSION_KEY, []) if i != str(job.id))]
    session[SESSION_KEY] = ids[:SESSION_JOBS_MAX]


def session_job_ids(request) -> list[uuid.UUID]:
    """The ids kept by `session_job_remember` (anything else a session holds under the key is ignored)."""
    session = getattr(request, "session", None)
    kept = session.get(SESSION_KEY, []) if session is not None else []
    found = []
    for value in (kept if isinstance(kept, list) else [])[:SESSION_JOBS_MAX]:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found
