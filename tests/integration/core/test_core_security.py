"""Security at the edge, with the real Redis and database: rate limits that X-Forwarded-For cannot dodge
and that every process shares, bodies refused from Content-Length, login throttles and 401s, CSP on
every page, the secret key made once into var/, and a clean `check --deploy` in production."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings as django_settings

from aeweb.embedded_redis import port_free
from apps.core.models import Job
from apps.core.rate_limits import shared_cache_retry_now, sliding_wait
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def rates_set(settings, **rates: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


# --- client identity ---------------------------------------------------------------------------


def test_x_forwarded_for_does_not_dodge_the_throttle(client, settings):
    rates_set(settings, anon="3/min")
    assert [client.get("/api/ping/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/ping/")
    assert_error(refused, 429, "throttled")
    assert int(refused["Retry-After"]) >= 1
    # A header per request naming another address changes nothing: the client is REMOTE_ADDR.
    for i in range(5):
        assert client.get("/api/ping/", HTTP_X_FORWARDED_FOR=f"10.9.8.{i}").status_code == 429
    # Another address (another client) has its own count.
    assert client.get("/api/ping/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_x_forwarded_for_is_honoured_for_the_trusted_proxies(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rates_set(settings, anon="2/min")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}  # every request arrives from the one proxy
    codes = [client.get("/api/ping/", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # What a client writes in front of the proxy's entry is not believed: the proxy's entry counts.
    spoofed = client.get("/api/ping/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1", **proxy)
    assert spoofed.status_code == 429
    assert client.get("/api/ping/", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 200


# --- one count for every process ---------------------------------------------------------------

OTHER_PROCESS = textwrap.dedent(
    """
    import json, os, sys
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")
    django.setup()
    from django.test import Client
    client = Client()
    print(json.dumps([client.get("/api/ping/").status_code for _ in range(int(sys.argv[1]))]))
    """
)


def other_process_pings(count: int, *, env: dict[str, str]) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, str(count)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_counts_are_shared_between_processes(client, settings):
    rates_set(settings, anon="5/min")
    assert [client.get("/api/ping/").status_code for _ in range(2)] == [200, 200]
    env = {"AEWEB_THROTTLE_ANON": "5/min", "AEWEB_THROTTLE_KEY_PREFIX": settings.AEWEB_THROTTLE_KEY_PREFIX}
    # Another process (another gunicorn worker, another machine) sees this one's two requests.
    assert other_process_pings(4, env=env) == [200, 200, 200, 429]
    # ...and this one sees the other's three.
    assert client.get("/api/ping/").status_code == 429


def test_an_unreachable_cache_weakens_the_limits_but_breaks_nothing(client, settings, caplog):
    rates_set(settings, anon="2/min")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port_free()}/1",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    shared_cache_retry_now()
    try:
        assert [client.get("/api/ping/").status_code for _ in range(3)] == [200, 200, 429]  # counted per process
        assert "shared cache is unreachable" in caplog.text
    finally:
        shared_cache_retry_now()


@pytest.mark.parametrize(
    ("previous", "current", "elapsed", "limit", "amount", "expected"),
    [
        (0, 3, 10.0, 3, 1, 50.0 + 20.0),  # full: the next window, once a third of these 3 has slid out
        (0, 4, 30.0, 3, 1, 30.0 + 30.0),  # 4 (a refused burst): next window, once half has slid out
        (6, 0, 0.0, 3, 1, 40.0),  # 6 before: wait until 6 * (1 - t/60) <= 2
        (6, 0, 50.0, 3, 1, 0.0),  # already slid out enough
        (0, 0, 0.0, 3, 5, None),  # more than the whole limit at once: never
    ],
)
def test_sliding_wait(previous, current, elapsed, limit, amount, expected):
    wait = sliding_wait(previous=previous, current=current, elapsed=elapsed, duration=60, limit=limit, amount=amount)
    assert wait == (None if expected is None else pytest.approx(expected))


# --- bodies refused from Content-Length ----------------------------------------------------------


def test_an_upload_declared_too_large_is_413_before_it_is_read(client, settings):
    from apps.denoise.models import DenoiseRequest

    declared = settings.AEWEB_UPLOAD_MAX_BYTES + settings.AEWEB_UPLOAD_OVERHEAD_BYTES + 1
    # A few bytes sent, 10 MB declared: reading the body would fail the test client's payload
    # ("cannot read more than the available bytes"), so a 413 proves nothing read it.
    multipart = "multipart/form-data; boundary=x"
    response = client.generic("POST", "/api/denoise/", b"--x\r\n", content_type=multipart, CONTENT_LENGTH=str(declared))
    error = assert_error(response, 413, "too_large")
    assert error["details"] == {"limit": declared - 1, "content_length": declared}
    assert not DenoiseRequest.objects.exists() and not Job.objects.exists()


def test_json_bodies_have_a_small_limit(client, settings):
    settings.AEWEB_API_BODY_MAX_BYTES = 1000
    big = json.dumps({"username": "x" * 2000, "password": "y"})
    assert_error(client.post("/api/auth/token/", big, content_type="application/json"), 413, "too_large")
    assert_error(
        client.post("/api/datasets/none/recommendations/", big, content_type="application/json"), 413, "too_large"
    )
    # Within the limit the view runs (and answers for itself).
    assert client.post("/api/auth/token/", "{}", content_type="application/json").status_code == 400
    # Pages and the admin: a plain 413 under their own limit.
    settings.AEWEB_BODY_MAX_BYTES = 1000
    page = client.post("/admin/login/", {"username": "x" * 2000, "password": "y"})
    assert page.status_code == 413 and page["Content-Type"].startswith("text/plain")


def test_a_bad_content_length_is_400(client):
    assert_error(client.generic("POST", "/api/auth/token/", b"{}", CONTENT_LENGTH="a lot"), 400)


def chunked(client, path: str, body: bytes, content_type: str = "application/json"):
    """A request as gunicorn hands a chunked one to Django: no Content-Length, the de-chunked stream."""
    return client.generic(
        "POST", path, CONTENT_TYPE=content_type, HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": io.BytesIO(body)}
    )


def test_chunked_bodies_are_bounded_too(client, settings, django_user_model):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django_user_model.objects.create_user("chunky", password="right-pass-123")
    settings.AEWEB_API_BODY_MAX_BYTES = 1000
    too_big = json.dumps({"username": "chunky", "password": "p" * 5000}).encode()
    assert_error(chunked(client, "/api/auth/token/", too_big), 413, "too_large")
    # Within the limit the view reads it as it would a body with a Content-Length.
    body = json.dumps({"username": "chunky", "password": "right-pass-123"}).encode()
    response = chunked(client, "/api/auth/token/", body)
    assert response.status_code == 200 and response.json()["token"]


# --- logins ------------------------------------------------------------------------------------


@pytest.fixture
def fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the throttle is tested


def login(client, username: str, password: str, **extra):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, content_type="application/json", **extra
    )


def test_a_wrong_password_is_401_with_the_scheme(client, fast_hashes, django_user_model):
    django_user_model.objects.create_user("ann", password="right-pass-123")
    response = login(client, "ann", "wrong")
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert_error(login(client, "nobody", "wrong"), 401)
    assert login(client, "ann", "right-pass-123").status_code == 200


def test_logins_are_throttled_per_client(client, settings, fast_hashes, django_user_model):
    rates_set(settings, login="3/min")
    django_user_model.objects.create_user("bob", password="right-pass-123")
    assert [login(client, "bob", f"guess{i}").status_code for i in range(3)] == [401, 401, 401]
    refused = login(client, "bob", "right-pass-123")  # even the right password waits now
    assert_error(refused, 429, "throttled")
    assert int(refused["Retry-After"]) >= 1
    assert login(client, "eve", "guess", HTTP_X_FORWARDED_FOR="10.9.8.1").status_code == 429
    assert login(client, "bob", "right-pass-123", REMOTE_ADDR="192.0.2.8").status_code == 200  # another client


def test_logins_are_throttled_per_username_from_any_address(client, settings, fast_hashes, django_user_model):
    rates_set(settings, login="100/min", **{"login-username": "2/hour"})
    django_user_model.objects.create_user("cat", password="right-pass-123")
    codes = [login(client, "cat", "guess", REMOTE_ADDR=f"192.0.2.{i}").status_code for i in range(1, 4)]
    assert codes == [401, 401, 429]
    assert login(client, "CAT", "guess", REMOTE_ADDR="192.0.2.9").status_code == 429  # same account
    assert login(client, "dan", "guess", REMOTE_ADDR="192.0.2.10").status_code == 401  # another account


# --- Content-Security-Policy ---------------------------------------------------------------------

PAGES = ["/", "/models/", "/rate/", "/datasets/", "/gallery/", "/denoise/", "/admin/login/"]


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_csp(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["script-src"][0] == "'self'" and "'unsafe-inline'" not in policy["script-src"]
    assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_a_job_page_has_the_csp(client):
    job = Job.objects.create(kind="core.selftest", params={})
    assert "script-src 'self'" in client.get(f"/jobs/{job.id}/")["Content-Security-Policy"]


def test_swagger_ui_allows_inline_styles_but_no_inline_script(client):
    page = client.get("/api/docs/")
    policy = csp_of(page)
    assert "'unsafe-inline'" in policy["style-src"] and "'unsafe-inline'" not in policy["script-src"]
    script = re.search(rb'<script src="([^"]*\?[^"]*script[^"]*)"', page.content)
    assert script, "the start-up script is loaded from a URL, not inline"
    assert client.get(script.group(1).decode().replace("&amp;", "&"))["Content-Type"].startswith(
        "application/javascript"
    )


def test_templates_have_no_inline_script_or_handler():
    """Inline script runs only with the request's nonce; event-handler attributes never run."""
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "csp_nonce" in tag, f"{path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path}: an inline event handler"
        assert not re.search(r"\sstyle\s*=", text), f"{path}: a style attribute (style-src 'self')"


# --- secret key and production settings ------------------------------------------------------

PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def settings_run(code: str, env: dict[str, str], module: str = "aeweb.settings") -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    full.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_secret_key_is_made_once_into_var_and_kept(tmp_path):
    first = settings_run(PRINT_KEY, {"AEWEB_VAR_DIR": str(tmp_path / "a")})
    assert first.returncode == 0, first.stderr[-2000:]
    key = first.stdout.strip().splitlines()[-1]
    stored = tmp_path / "a" / "secret_key"
    assert stored.read_text() == key and len(key) >= 50
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    again = settings_run(PRINT_KEY, {"AEWEB_VAR_DIR": str(tmp_path / "a")})
    assert again.stdout.strip().splitlines()[-1] == key  # sessions survive a restart
    other = settings_run(PRINT_KEY, {"AEWEB_VAR_DIR": str(tmp_path / "b")})
    assert other.stdout.strip().splitlines()[-1] != key  # made, not a constant
    given = settings_run(PRINT_KEY, {"AEWEB_VAR_DIR": str(tmp_path / "c"), "DJANGO_SECRET_KEY": "k" * 60})
    assert given.stdout.strip().splitlines()[-1] == "k" * 60 and not (tmp_path / "c" / "secret_key").exists()
    assert django_settings.SECRET_KEY and "insecure" not in django_settings.SECRET_KEY


def test_check_deploy_is_clean_in_production(tmp_path):
    from django.core.management.utils import get_random_secret_key

    env = {
        # Without what the test run sets for itself (conftest allows the ORM beside Playwright's loop).
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DJANGO_SETTINGS_MODULE": "aeweb.settings_production",
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "ALLOWED_HOSTS": "aeweb.example.org",
        "AEWEB_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "no issues" in done.stdout
    # The development settings are what the warnings say they are.
    dev = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "aeweb.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "security.W009" not in dev.stdout + dev.stderr  # the generated key is a real one


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    done = settings_run(
        PRINT_KEY, {"AEWEB_VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "aeweb.example.org"}, "aeweb.settings_production"
    )
    assert done.returncode != 0 and "DJANGO_SECRET_KEY must be set" in done.stderr
