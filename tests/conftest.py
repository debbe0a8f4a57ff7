"""Shared fixtures: isolated artifact folders, API clients, a real Celery worker, a browser.

pytest-django has loaded the settings before this file runs, so test-only values are set on
the settings object here, and passed to worker processes through their environment.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
TEST_VAR = Path(tempfile.mkdtemp(prefix="aeweb-test-"))
settings.AEWEB_ARTIFACT_DIR = TEST_VAR / "artifacts"
settings.MEDIA_ROOT = TEST_VAR / "media"
settings.AEWEB_HEARTBEAT_SECONDS = 1.0
settings.AEWEB_HEARTBEAT_TIMEOUT = 8.0
# Workers beat into Redis every second and count as gone after 4 s; health is checked afresh each call.
settings.AEWEB_WORKER_HEARTBEAT_SECONDS = 1.0
settings.AEWEB_HEALTH_STALE_SECONDS = 4.0
settings.AEWEB_HEALTH_CACHE_SECONDS = 0.0
# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DATA_DIR = Path(os.environ.get("AEWEB_DATA_DIR") or ROOT.parent / "shared" / "data")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(TEST_VAR, ignore_errors=True)


@pytest.fixture(autouse=True)
def rate_limits_fresh(settings):
    """Each test counts its rate limits and pixel budgets from zero: under a key prefix of its own in
    the shared cache (earlier tests' counts, and an earlier run's on the same Redis, stay under theirs)."""
    settings.AEWEB_THROTTLE_KEY_PREFIX = f"rl-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture
def ml100k_dir() -> Path:
    path = DATA_DIR / "ml-100k"
    if not (path / "u.data").exists():
        pytest.skip("MovieLens 100K not found (set AEWEB_DATA_DIR)")
    return path


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_user("staff", password="staff-pass-123", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff_user)
    return client


# --- a real Celery worker --------------------------------------------------------------------


def database_url_for_workers() -> str:
    """The URL of the database the tests use right now (the test database)."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def worker_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a worker process of the tests needs: the test database, folders, broker and timings."""
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_workers(),
        "AEWEB_ARTIFACT_DIR": str(settings.AEWEB_ARTIFACT_DIR),
        "AEWEB_MEDIA_DIR": str(settings.MEDIA_ROOT),
        "AEWEB_HEARTBEAT_SECONDS": str(settings.AEWEB_HEARTBEAT_SECONDS),
        "AEWEB_HEARTBEAT_TIMEOUT": str(settings.AEWEB_HEARTBEAT_TIMEOUT),
        "AEWEB_WORKER_HEARTBEAT_SECONDS": str(settings.AEWEB_WORKER_HEARTBEAT_SECONDS),
        "AEWEB_HEALTH_STALE_SECONDS": str(settings.AEWEB_HEALTH_STALE_SECONDS),
        "AEWEB_QUEUED_RESEND_SECONDS": str(settings.AEWEB_QUEUED_RESEND_SECONDS),
        "AEWEB_DEVICE": "cpu",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


class WorkerProcess:
    """`celery worker` in its own process group, so a test can SIGKILL all of it; all queues unless told."""

    def __init__(self, name: str, queues: tuple[str, ...] | None = None, env: dict[str, str] | None = None) -> None:
        from apps.core.queues import QUEUES

        self.name = name
        self.queues = tuple(queues or QUEUES)
        self.log = TEST_VAR / f"worker-{name}.log"
        env = worker_environment(env)
        command = [
            sys.executable, "-m", "celery", "-A", "aeweb", "worker", "-Q", ",".join(self.queues), "-c", "1",
            "-P", "prefork", "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            self.wait_ready()
        except BaseException:  # not handed to the fixture, so nobody else would stop it
            self.kill()
            raise

    def wait_ready(self, timeout: float = 60.0) -> None:
        from kombu.exceptions import OperationalError
        from redis.exceptions import RedisError

        from aeweb.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            try:
                replies = app.control.ping(timeout=0.5, destination=None) or []
            except (OSError, RedisError, OperationalError):  # a Redis a test restarted: ask on a new connection
                app._pool = app.amqp._producer_pool = None
                continue
            if any(self.name in next(iter(reply)) for reply in replies):
                return
        raise RuntimeError(f"worker not ready in {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (parent and pool children): no cleanup code runs."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_factory(transactional_db):
    """Start real Celery workers against the test database and the real Redis."""
    from aeweb.celery import app

    app.control.purge()  # messages left by an earlier run would be for rows that no longer exist
    workers: list[WorkerProcess] = []

    def start(name: str = "", **kwargs) -> WorkerProcess:
        worker = WorkerProcess(name or f"test{len(workers)}-{os.getpid()}", **kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(worker_factory) -> WorkerProcess:
    return worker_factory()


def job_wait(job_id, *, until=("succeeded", "failed", "cancelled"), timeout: float = 240.0):
    """Poll a job row until it reaches one of `until`; returns it."""
    from apps.core.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(id=job_id)
        if job.status in until:
            return job
        time.sleep(0.3)
    job = Job.objects.get(id=job_id)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout:.0f} s: {job.message} {job.error}")


# --- a real browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What Chromium logs to the console when the Content-Security-Policy blocks something, on every page
# any browser test visits (every context the `browser` fixture makes); checked after each test.
CSP_VIOLATIONS: list[str] = []


class _CspWatchingBrowser:
    """The Playwright browser, whose new contexts report CSP violations into CSP_VIOLATIONS."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)

        def console(message) -> None:
            if "Content Security Policy" in message.text:
                CSP_VIOLATIONS.append(f"{message.page.url if message.page else '?'}: {message.text}")

        context.on("console", console)
        return context


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield _CspWatchingBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """A browser test fails when a page it visited broke the Content-Security-Policy."""
    CSP_VIOLATIONS.clear()
    yield
    if "browser" in request.fixturenames:
        violations, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
        assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()

