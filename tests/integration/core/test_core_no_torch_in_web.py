"""The web process never imports torch: load every URLconf and view, serve pages, then look."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT, database_url_for_workers

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    import django
    django.setup()
    from django.urls import get_resolver
    from django.test import Client
    import apps

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            else:
                p.callback  # resolves the view
    walk(get_resolver().url_patterns)
    for module in pkgutil.walk_packages(apps.__path__, "apps."):
        name = module.name
        if name.rsplit(".", 1)[-1] in {"apis", "views", "urls", "selectors", "services", "admin", "serializers"}:
            importlib.import_module(name)
    client = Client()
    for path in ["/", "/models/", "/api/schema/", "/api/docs/", "/api/datasets/", "/api/models/"]:
        client.get(path)
    loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
    print("TORCH:", loaded[:5])
    sys.exit(1 if loaded else 0)
    """
)


@pytest.mark.django_db(transaction=True)
def test_web_process_never_imports_torch():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "aeweb.settings",
            "DATABASE_URL": database_url_for_workers(),  # the migrated test database
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
