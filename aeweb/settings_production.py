"""Production settings: aeweb.settings, served over HTTPS (DJANGO_SETTINGS_MODULE=aeweb.settings_production).

`manage.py check --deploy` has nothing to say about these. What they add to the defaults:
- the secret key must be given (DJANGO_SECRET_KEY): several machines share it, and a key made
  into one machine's var/ would sign sessions the others cannot read;
- ALLOWED_HOSTS must be given: the development default names only this machine;
- HTTPS only: plain HTTP is redirected, HSTS for a year (subdomains and preload included unless
  turned off), session and CSRF cookies sent over HTTPS only;
- behind a TLS-terminating proxy (AEWEB_NUM_PROXIES > 0) the scheme is read from the proxy's
  X-Forwarded-Proto, as its client address is from X-Forwarded-For.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from aeweb.settings import *  # noqa: F403
from aeweb.settings import REST_FRAMEWORK, env_bool, env_int

if not os.environ.get("DJANGO_SECRET_KEY", "").strip():
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production (the same on every machine)")
if not os.environ.get("ALLOWED_HOSTS", "").strip():
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (the host names the site is served as)")

DEBUG = False

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
if REST_FRAMEWORK["NUM_PROXIES"]:
    # Only proxies that set X-Forwarded-Proto themselves (overwriting what a client sent) may be trusted.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
