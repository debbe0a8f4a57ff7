"""`seed_demo`: what a fresh machine needs: an admin account, data, the first training jobs."""

from __future__ import annotations

import os
import secrets
import time

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from apps.core import registry


def broker_wait(timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1).ping()
            return True
        except redis.RedisError:
            time.sleep(0.3)
    return False


class Command(BaseCommand):
    help = "Create the admin account, load the demo data sets and start the first training jobs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-train", action="store_true", help="load data but start no training job")

    def handle(self, *args, **options) -> None:
        self.admin_ensure()
        train = not options["no_train"]
        if train and not broker_wait():
            self.stderr.write(self.style.WARNING("The broker is not answering: data only, no training jobs."))
            train = False
        # Every app's first, quick models before anyone's slow ones: one training worker runs them in order.
        for stage in ("demo_seed", "demo_seed_later"):
            for contract in registry.apps_registered():
                hook = getattr(contract, stage)
                if hook is not None:
                    hook(out=self.stdout, train=train)

    def admin_ensure(self) -> None:
        users = get_user_model().objects
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if users.filter(username=username).exists():
            if password:
                user = users.get(username=username)
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(f"Admin account: {username} (password unchanged; `manage.py changepassword {username}`)")
            return
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        shown = password if generated else "(from DJANGO_SUPERUSER_PASSWORD)"
        self.stdout.write(self.style.SUCCESS(f"Admin account created: {username} / {shown}"))
        if generated:
            self.stdout.write("  This password is shown once; keep it or set DJANGO_SUPERUSER_PASSWORD.")
