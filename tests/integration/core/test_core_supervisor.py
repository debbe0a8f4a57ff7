"""`make run`'s supervisor (aeweb/supervisor.py): restarts, never half-alive, ordered shutdown.

On tiny stand-in programs (a Python script that logs what happens to it), then once with a real
Celery worker: killed with SIGKILL, restarted, and /api/health/ not ready in between.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from aeweb.devserver import worker_program
from aeweb.supervisor import Program, StopStep, Supervisor
from apps.core.health import health_check_uncached
from apps.core.queues import QUEUE_INTERACTIVE
from tests.conftest import worker_environment
from tests.integration.core.brokers import heartbeats_clear

STANDIN = '''
import os, signal, subprocess, sys, time
name, log, mode = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "")
def say(what):
    with open(log, "a") as f:
        f.write(f"{name} {what}\\n")
def on_term(*_):
    say("TERM")
    if mode != "stubborn":
        sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
say(f"start {os.getpid()}")
if mode == "child":  # leaves a process in its group, as a worker's pool process
    say(f"child {subprocess.Popen(['sleep', '300']).pid}")
if mode == "crash":
    sys.exit(3)
if mode == "oneshot":
    time.sleep(0.5)
    say("done")
    sys.exit(0)
if mode == "oneshot-fail":
    sys.exit(2)
while True:
    time.sleep(0.05)
'''


class Run:
    """A supervisor running in a thread of the test (its programs die with that thread, not with pytest)."""

    def __init__(self, tmp_path: Path, programs: list[Program], **kwargs) -> None:
        self.out = open(tmp_path / "supervisor.out", "w")
        self.supervisor = Supervisor(programs, out=self.out, **kwargs)
        self.thread = threading.Thread(target=self.supervisor.run, kwargs={"install_signals": False}, daemon=True)
        self.thread.start()

    def stop(self) -> int:
        self.supervisor.request_stop()
        return self.join()

    def join(self, timeout: float = 60) -> int:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the supervisor did not stop"
        return self.supervisor.returncode

    def output(self) -> str:
        self.out.flush()
        return Path(self.out.name).read_text()


@pytest.fixture
def standin(tmp_path):
    script = tmp_path / "standin.py"
    script.write_text(STANDIN)
    log = tmp_path / "events.log"
    log.touch()

    def program(name: str, mode: str = "", **kwargs) -> Program:
        return Program(name=name, command=[sys.executable, str(script), name, str(log), mode], **kwargs)

    program.log = log
    return program


def _events(log: Path) -> list[str]:
    return log.read_text().splitlines()


def _until(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return True
    return state in ("Z", "X")


def test_a_program_that_dies_is_restarted_and_what_it_left_behind_is_killed(tmp_path, standin):
    run = Run(tmp_path, [standin("worker", "child")], backoff=0.2)
    child = int(_until(lambda: [e for e in _events(standin.log) if e.startswith("worker child")])[0].split()[2])
    first = _until(lambda: run.supervisor.pids()["worker"])
    os.kill(first, signal.SIGKILL)
    second = _until(lambda: (pid := run.supervisor.pids()["worker"]) not in (None, first) and pid)
    assert _until(lambda: _gone(child))  # the old one's leftover went with it: no orphan working beside the new
    assert run.stop() == 0
    assert "worker exited (killed by SIGKILL); restarting" in run.output()
    assert _gone(second)


def test_a_program_that_keeps_dying_stops_the_whole_run(tmp_path, standin):
    run = Run(tmp_path, [standin("redis", stop_order=3), standin("crasher", "crash")], backoff=0.05, max_deaths=3)
    assert run.join() == 1
    assert "crasher died 3 times" in run.supervisor.failure
    assert "redis TERM" in _events(standin.log)  # everything else was stopped too: never half-alive


def test_programs_start_after_a_one_shot_and_stop_web_workers_beat_redis_in_that_order(tmp_path, standin):
    worker_stop = (StopStep(signal.SIGTERM, False, 0.5), StopStep(signal.SIGTERM, True, 0.5))
    programs = [
        standin("redis", stop_order=3),
        standin("worker", "stubborn", stop_order=1, stop_steps=worker_stop),  # never stops by itself
        standin("beat", stop_order=2),
        standin("seed", "oneshot", oneshot=True, stop_order=1),
        standin("web", stop_order=0),
    ]
    run = Run(tmp_path, programs)
    _until(lambda: any(e.startswith("web start") for e in _events(standin.log)))
    assert run.stop() == 0
    events = [e.split()[0] + " " + e.split()[1] for e in _events(standin.log)]
    assert events.index("seed done") < events.index("web start")  # the web waited for seed_demo
    terms = [e.split()[0] for e in events if e.endswith("TERM")]
    assert terms == ["web", "worker", "worker", "beat", "redis"]  # the worker: main process, then its group
    assert "worker did not stop in time: SIGKILL" in run.output()


def test_a_failed_one_shot_stops_the_run_before_the_web_starts(tmp_path, standin):
    run = Run(tmp_path, [standin("redis"), standin("seed", "oneshot-fail", oneshot=True), standin("web")])
    assert run.join() == 1
    assert "seed failed (exit code 2)" in run.supervisor.failure
    assert not any(e.startswith("web") for e in _events(standin.log))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_restarted_and_readiness_is_503_until_then(tmp_path):
    heartbeats_clear()
    program = worker_program(QUEUE_INTERACTIVE, worker_environment(), grace=5, loglevel="WARNING")
    # Restarted 6 s after it dies: longer than a heartbeat takes to go stale (4 s here), so the
    # not-ready spell between the two is there to be seen.
    run = Run(tmp_path, [program], backoff=6.0)
    try:
        _until(lambda: health_check_uncached()[1] == 200, timeout=60)
        first = run.supervisor.pids()["worker-interactive"]
        os.kill(first, signal.SIGKILL)  # the worker's main process only, as `kill -9 <pid>` does
        _until(lambda: health_check_uncached()[1] == 503)
        _until(lambda: health_check_uncached()[1] == 200, timeout=60)
        assert run.supervisor.pids()["worker-interactive"] not in (None, first)
    finally:
        assert run.stop() == 0, run.output()[-3000:]
