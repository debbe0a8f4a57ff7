"""`make run`: seed the demo, then web + Celery worker (+ embedded Redis) under one supervisor.

The supervisor is honcho: one process group, prefixed logs, and everything stops together
on Ctrl-C or when any process dies.
"""

from __future__ import annotations

import os
import shlex
import sys

from honcho.manager import Manager

from aeweb.embedded_redis import port_free, redis_command


def main() -> int:
    port = os.environ.get("PORT", "8000")
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    manager = Manager()
    if not env.get("REDIS_URL"):
        redis_port = port_free()
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        manager.add_process("redis", shlex.join(redis_command(redis_port)), env=env)
    # seed_demo waits for the broker, since it queues the first training job.
    banner = f"aeweb is running on http://127.0.0.1:{port}/  (admin: /admin/, API docs: /api/docs/)"
    web = (
        f"{sys.executable} manage.py seed_demo && echo {shlex.quote(banner)} && "
        f"exec {bin_dir}/gunicorn aeweb.wsgi -b 127.0.0.1:{port} -w {env.get('WEB_CONCURRENCY', '2')} "
        "--access-logfile - --timeout 60"
    )
    worker = f"exec {bin_dir}/celery -A aeweb worker -B -Q default,gpu -c 1 --loglevel INFO"
    manager.add_process("web", web, env=env)
    manager.add_process("worker", worker, env=env)
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
