"""`make run`: Redis (embedded, persistent), a worker per queue, beat, seed_demo, then the web server,
under one supervisor (aeweb/supervisor.py).

Started in this order: the embedded Redis (when REDIS_URL is unset; its data in var/redis/, so
queued jobs survive a crash), the workers (one per queue: interactive, training, housekeeping)
and beat, `seed_demo` (once), then gunicorn (threaded, aeweb/gunicorn_conf.py). A process that
dies is restarted; one that keeps dying stops the whole run with a message.

Ctrl-C (or SIGTERM) stops them in this order: the web first (no new work comes in); the workers,
which finish their jobs within AEWEB_SHUTDOWN_GRACE seconds (default 20) or hand them back (the
job goes back to "queued" and runs again on the next start); beat; Redis last, so whatever the
others hand back on their way out still reaches it.

Environment: PORT (8000), WEB_CONCURRENCY and GUNICORN_THREADS (the web's processes and threads),
AEWEB_SHUTDOWN_GRACE, AEWEB_WORKER_CONCURRENCY (pool processes per worker, default 1).
"""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
from pathlib import Path

from aeweb.embedded_redis import port_free, redis_answers, redis_command, redis_pid_alive
from aeweb.supervisor import Program, StopStep, Supervisor
from apps.core.queues import QUEUE_INTERACTIVE, QUEUE_TRAINING, QUEUES

ROOT = Path(__file__).resolve().parent.parent

# Stop order: the web, then the workers and the one-shot seed, then beat, then Redis.
STOP_WEB, STOP_WORKERS, STOP_BEAT, STOP_REDIS = 0, 1, 2, 3


def redis_ready(port: int):
    return lambda: redis_answers(port)


def http_ready(url: str):
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    return check


def torch_threads(queue: str) -> int:
    """Torch threads per worker when the interactive and training workers share this machine's cores."""
    cores = os.cpu_count() or 2
    interactive = max(1, cores // 2)
    return interactive if queue == QUEUE_INTERACTIVE else max(1, cores - interactive)


def worker_program(queue: str, env: dict[str, str], *, grace: float, loglevel: str = "INFO") -> Program:
    """`celery worker` for one queue. Stopping: SIGTERM (warm shutdown: the running job may finish), after
    `grace` seconds SIGTERM to the pool processes too (the job is handed back to its queue), then SIGKILL."""
    bin_dir = Path(sys.executable).parent
    concurrency = env.get("AEWEB_WORKER_CONCURRENCY", "1")
    command = [str(bin_dir / "celery"), "-A", "aeweb", "worker", "-Q", queue, "-c", concurrency, "-P", "prefork",
               "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel", loglevel]  # fmt: skip
    env = dict(env)
    training = queue == QUEUE_TRAINING
    # On one machine, training shares the CPU with the interactive worker and the web: unless told
    # otherwise, each gets its own half of the cores for torch, and training only takes CPU time
    # nothing else wants (SCHED_IDLE, nice 19), so a generation beside it runs nearly as fast as alone.
    if queue in (QUEUE_TRAINING, QUEUE_INTERACTIVE):
        env.setdefault("AEWEB_TORCH_THREADS", str(torch_threads(queue)))
    return Program(
        name=f"worker-{queue}",
        command=command,
        env=env,
        cwd=str(ROOT),
        stop_steps=(StopStep(signal.SIGTERM, False, grace), StopStep(signal.SIGTERM, True, 15.0)),
        stop_order=STOP_WORKERS,
        nice=19 if training else 0,
        idle_class=training,
    )


def programs(
    *,
    port: int,
    env: dict[str, str],
    var_dir: Path,
    redis_port: int | None = None,
    seed: bool = True,
    queues: tuple[str, ...] = QUEUES,
    loglevel: str = "INFO",
) -> list[Program]:
    """The processes of `make run`; `redis_port` when the embedded Redis is to be started."""
    bin_dir = Path(sys.executable).parent
    grace = float(env.get("AEWEB_SHUTDOWN_GRACE", "20"))
    found: list[Program] = []
    if redis_port is not None:
        found.append(
            Program(
                name="redis",
                command=redis_command(redis_port, data_dir=var_dir / "redis"),
                env=env,
                ready=redis_ready(redis_port),
                stop_steps=(StopStep(signal.SIGTERM, False, 15.0),),
                stop_order=STOP_REDIS,
            )
        )
    found += [worker_program(queue, env, grace=grace, loglevel=loglevel) for queue in queues]
    found.append(
        Program(
            name="beat",
            command=[
                str(bin_dir / "celery"),
                "-A",
                "aeweb",
                "beat",
                "--loglevel",
                loglevel,
                "--schedule",
                str(var_dir / "celerybeat-schedule"),
            ],  # fmt: skip
            env=env,
            cwd=str(ROOT),
            stop_order=STOP_BEAT,
        )
    )
    if seed:
        # Waits for the broker, since it queues the first training jobs; the web starts after it.
        found.append(
            Program(
                name="seed",
                command=[sys.executable, "manage.py", "seed_demo"],
                env=env,
                cwd=str(ROOT),
                oneshot=True,
                stop_order=STOP_WORKERS,
            )
        )
    found.append(
        Program(
            name="web",
            command=[str(bin_dir / "gunicorn"), "-c", str(ROOT / "aeweb" / "gunicorn_conf.py"), "aeweb.wsgi"],
            env={**env, "PORT": str(port)},
            cwd=str(ROOT),
            ready=http_ready(f"http://127.0.0.1:{port}/api/health/live/"),
            stop_steps=(StopStep(signal.SIGTERM, False, 30.0),),
            stop_order=STOP_WEB,
        )
    )
    return found


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    var_dir = Path(os.environ.get("AEWEB_VAR_DIR", ROOT / "var"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    redis_port = None
    if not env.get("REDIS_URL"):
        leftover = redis_pid_alive(var_dir / "redis")
        if leftover:
            print(f"A Redis from an earlier run still uses {var_dir / 'redis'} (pid {leftover}); stop it first.")
            return 1
        redis_port = port_free()
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    supervisor = Supervisor(programs(port=port, env=env, var_dir=var_dir, redis_port=redis_port))
    banner = f"aeweb is running on http://127.0.0.1:{port}/  (admin: /admin/, API docs: /api/docs/)"
    web = next(state for state in supervisor.states if state.program.name == "web")
    check = web.program.ready

    def ready_with_banner() -> bool:
        if check is not None and check():
            supervisor.say(banner)
            return True
        return False

    web.program.ready = ready_with_banner
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
