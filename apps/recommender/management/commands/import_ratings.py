"""`import_ratings PATH [--format auto|ml-100k|ml-1m|movielens-csv|csv] [--slug SLUG] [--name NAME]
[--items ITEMS_CSV] [--replace]`."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.errors import ApplicationError
from apps.recommender.ml.readers import FORMATS, RatingsFormatError
from apps.recommender.services import dataset_import


class Command(BaseCommand):
    help = "Import a rating data set (MovieLens 100K/1M/latest or a user,item,rating csv) into the database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="a folder (ml-100k/, ml-1m/, ml-latest/) or a ratings file")
        parser.add_argument("--format", dest="fmt", default="auto", choices=FORMATS, help="default: detect")
        parser.add_argument("--slug", default=None, help="the data set's slug (default: from the path)")
        parser.add_argument("--name", default=None, help="a readable name (default: from the slug)")
        parser.add_argument("--items", default=None, help="csv format only: an item,title[,genres] file")
        parser.add_argument("--replace", action="store_true", help="overwrite a data set with the same slug")

    def handle(self, *args, path: str, fmt: str, slug, name, items, replace: bool, **options) -> None:
        started = time.monotonic()
        bar = _LazyBar(disable=options.get("verbosity", 1) == 0)

        try:
            dataset = dataset_import(
                path=Path(path), fmt=fmt, slug=slug, name=name, items_path=items, replace=replace, progress=bar.update
            )
        except RatingsFormatError as exc:
            bar.close()
            lines = [f"  line {line}: {what}" if line else f"  {what}" for line, what in exc.errors]
            more = " (the first 20 shown)" if len(exc.errors) >= 20 else ""
            raise CommandError(
                f"Nothing imported: {exc.path} is malformed{more}:\n" + "\n".join(lines), returncode=2
            ) from None
        except (FileNotFoundError, ValueError) as exc:
            bar.close()
            raise CommandError(f"Nothing imported: {exc}", returncode=2) from None
        except ApplicationError as exc:  # an existing slug, a bad slug or an oversized id
            bar.close()
            raise CommandError(f"Nothing imported: {exc.message}", returncode=3) from None
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {dataset.slug} ({dataset.name}, {dataset.source_format}): {dataset.n_users} users, "
                f"{dataset.n_items} items, {dataset.n_ratings} ratings, scale {dataset.rating_min:g}..."
                f"{dataset.rating_max:g}, in {time.monotonic() - started:.1f} s."
            )
        )


class _LazyBar:
    """A tqdm bar that appears with the first progress report, so a refused import prints no empty bar."""

    def __init__(self, *, disable: bool) -> None:
        self.disable = disable
        self.bar: tqdm | None = None
        self.shown = 0.0

    def update(self, fraction: float) -> None:
        if self.bar is None:
            self.bar = tqdm(total=100, disable=self.disable, bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}]")
        self.bar.update(max(0.0, 100 * fraction - self.shown))
        self.shown = max(self.shown, 100 * fraction)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
