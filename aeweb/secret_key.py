"""SECRET_KEY when DJANGO_SECRET_KEY is not given: a random key made once into var/, never a constant.

Made on the first run (`make run`, `make test`, a fresh clone in CI) with Django's own generator,
written with mode 0600 to a temporary name and linked into place, so that the web process and the
worker starting at the same moment end up with the same key; read back on every later run, so
sessions and signed values survive restarts. Several machines must share one key: give them
DJANGO_SECRET_KEY (the production settings require it).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.utils import get_random_secret_key

FILE_NAME = "secret_key"


def secret_key_get(var_dir: Path, environ: os._Environ | dict | None = None) -> str:
    environ = os.environ if environ is None else environ
    given = environ.get("DJANGO_SECRET_KEY", "").strip()
    if given:
        return given
    return secret_key_file(Path(var_dir) / FILE_NAME)


def secret_key_file(path: Path) -> str:
    """The key stored at `path`, made first when there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, get_random_secret_key().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)  # fails if another process got there first: its key wins
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: create it exclusively instead
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(temporary.read_bytes())
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < 50:
        raise RuntimeError(f"{path} holds no usable secret key (delete it to make a new one)")
    return key
