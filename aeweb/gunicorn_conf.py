"""gunicorn settings for `make run` and deployments: `gunicorn -c aeweb/gunicorn_conf.py aeweb.wsgi`.

Threaded workers (gthread): a request that waits (a slow client trickling an upload, a database
lock) holds one thread, not a whole process, so a few slow clients cannot starve the site. In
production a proxy in front (nginx) should still buffer request bodies and limit their size.

Environment: PORT (8000) or GUNICORN_BIND (e.g. 0.0.0.0:8000), WEB_CONCURRENCY (processes, 2),
GUNICORN_THREADS (threads per process, 8), GUNICORN_TIMEOUT (60 s).
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20  # on SIGTERM: requests in flight get this long to finish
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
