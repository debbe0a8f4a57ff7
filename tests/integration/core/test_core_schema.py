"""Schemathesis against /api/schema/: no 5xx and no response that breaks the schema, on every endpoint.

Runs the schemathesis CLI against a live server over the test database, which holds a small
data set with a trained model, as anonymous and as staff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def schemathesis_run(base_url: str, *extra: str) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).parent / "schemathesis"
    return subprocess.run(
        [
            str(cli), "run", f"{base_url}/api/schema/", "--url", base_url,
            "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,"
            "content_type_conformance",
            "--max-examples", "25", "--generation-deterministic", "--no-color",
            *extra,
        ],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_schema_holds_for_anonymous_and_staff(live_server, staff_user, tmp_path, monkeypatch, settings):
    from rest_framework.authtoken.models import Token
    from rest_framework.throttling import SimpleRateThrottle

    # Thousands of generated requests would reach the per-client rates, and a 429 proves nothing
    # about the schema; the throttles have their own tests.
    unlimited = {scope: "1000000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": unlimited}
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1000000/min")

    from tests.integration.recommender.test_api_recommendations import dataset_with_model

    dataset_with_model(tmp_path)  # a data set with an active model, so reads reach real data

    token = Token.objects.create(user=staff_user).key
    for extra in ((), ("-H", f"Authorization: Token {token}")):
        result = schemathesis_run(live_server.url, *extra)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
