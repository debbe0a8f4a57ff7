"""How long a training worker takes to get a data set's ratings: the database (ORM) against the import's cache.

    OMP_NUM_THREADS=1 AEWEB_DATA_DIR=/work/shared/data python -m benchmarks.recommender_loading [--dataset ml-1m]

A fresh SQLite database in a temporary folder; `import_ratings`' service imports the data set
(which writes the ratings cache), then the worker's two readers are timed: `ratings_arrays_from_db`
(every rating row through the ORM) and `ratings_arrays` (the cache), best of `--repeat` runs each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_environment() -> Path:
    var = Path(tempfile.mkdtemp(prefix="aeweb-recommender-loading-"))
    os.environ["AEWEB_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)  # a fresh SQLite database in the var folder
    os.environ.setdefault("AEWEB_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - started)
    return best, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-1m", choices=("ml-100k", "ml-1m"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    var = setup_environment()
    try:
        from apps.recommender.ratings_cache import ratings_cache_path
        from apps.recommender.services import dataset_import
        from apps.recommender.training import ratings_arrays, ratings_arrays_from_db
        from benchmarks._recommender_common import data_dir
        from benchmarks.report import section_write

        started = time.perf_counter()
        dataset = dataset_import(path=data_dir() / args.dataset, slug=args.dataset)
        import_s = time.perf_counter() - started
        db_s, from_db = best_of(lambda: ratings_arrays_from_db(dataset), args.repeat)
        cache_s, cached = best_of(lambda: ratings_arrays(dataset), args.repeat)
        assert len(from_db[2]) == len(cached[2]) == dataset.n_ratings
        size_mb = ratings_cache_path(dataset).stat().st_size / 1e6
        data = {
            "dataset": args.dataset,
            "n_ratings": dataset.n_ratings,
            "import_s": import_s,
            "orm_s": db_s,
            "cache_s": cache_s,
            "cache_mb": size_mb,
            "database": "sqlite",
        }
        markdown = (
            "## Recommender: loading a data set's ratings for training\n\n"
            f"`python -m benchmarks.recommender_loading --dataset {args.dataset}` — {dataset.n_ratings:,} ratings "
            "in a fresh SQLite database; best of "
            f"{args.repeat} runs; one process niced on a shared 2-core machine.\n\n"
            "| reader | seconds |\n| --- | --- |\n"
            f"| every rating row through the ORM (`ratings_arrays_from_db`, before) | {db_s:.2f} |\n"
            f"| the import's cached arrays (`ratings_arrays`, {size_mb:.1f} MB .npz; now) | {cache_s:.3f} |\n\n"
            f"The import itself (reading the files, writing the rows and the cache) took {import_s:.1f} s."
        )
        print(markdown)
        section_write(f"recommender_loading_{args.dataset}", markdown, data)
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
