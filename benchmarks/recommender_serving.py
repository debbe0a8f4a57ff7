"""Serving latency: recommendations and fold-in beside a trivial DRF endpoint, under gunicorn.

    python -m benchmarks.recommender_serving [--requests 2000] [--workers 2]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/aeweb_bench, created if
missing), imports MovieLens 100K, trains a Mult-VAE in-process, starts gunicorn, and measures
p50/p99 latency (one keep-alive client, sequential) and requests/second (several clients).
The trivial endpoint `/api/ping/` is the framework's floor: the targets are ratios to it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import threading
import time
from pathlib import Path

from benchmarks.http_common import ROOT, gunicorn_start, latency_summary, manage, requests_timed

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/aeweb_bench"


def database_prepare(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def throughput_run(port: int, requests: list[tuple[str, str, bytes | None]], clients: int) -> float:
    chunks = [requests[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=requests_timed, args=(port, chunk)) for chunk in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(requests) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    data = Path(os.environ.get("AEWEB_DATA_DIR") or ROOT.parent / "shared" / "data") / "ml-100k"
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    database_prepare(db_url)
    var = ROOT / "var" / "bench-serving"
    env = {**os.environ, "DATABASE_URL": db_url, "AEWEB_VAR_DIR": str(var), "AEWEB_THROTTLE_ANON": "100000000/min",
           "AEWEB_THROTTLE_USER": "100000000/min",
           "DJANGO_DEBUG": "0", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    manage("migrate", "--noinput", "-v0", env=env)
    manage("import_ratings", str(data), "--slug", "ml-100k", "--format", "ml-100k", env=env)
    trained = manage("train", "recommender", "--dataset", "ml-100k", "--model", "mult-vae",
                     "--set", f"epochs={args.epochs}", "--sync", env=env)  # fmt: skip
    result = json.loads(trained.strip().splitlines()[-1])

    port = 18000 + random.randint(0, 999)
    server = gunicorn_start(port, workers=args.workers, env=env)
    try:
        items = json.loads(
            subprocess.run(["curl", "-s", f"http://127.0.0.1:{port}/api/datasets/ml-100k/items/?page=1"],
                           capture_output=True, text=True).stdout
        )  # fmt: skip
        rng = random.Random(0)
        item_ids = [it["id"] for it in items["results"]]
        users = list(range(1, 944))
        n = args.requests
        floor = [("GET", "/api/ping/", None)] * n
        recs = [
            ("GET", f"/api/datasets/ml-100k/users/{rng.choice(users)}/recommendations/?k=20", None) for _ in range(n)
        ]
        foldin = [
            ("POST", "/api/datasets/ml-100k/recommendations/",
             json.dumps({"ratings": [{"item": i, "rating": rng.choice([3, 4, 5])} for i in rng.sample(item_ids, 20)],
                         "k": 20}).encode())
            for _ in range(n)
        ]  # fmt: skip
        warm = 50
        for reqs in (floor, recs, foldin):
            requests_timed(port, reqs[:warm])
        rows = {}
        for name, reqs in (("ping (floor)", floor), ("recommendations", recs), ("fold-in (20 ratings)", foldin)):
            stats = latency_summary(requests_timed(port, reqs))
            stats["rps"] = throughput_run(port, reqs, args.clients)
            rows[name] = stats
    finally:
        server.terminate()
        server.wait(timeout=20)

    floor_p50 = rows["ping (floor)"]["p50_ms"]
    lines = [
        "## Recommender serving latency",
        "",
        f"`python -m benchmarks.recommender_serving` — gunicorn ({args.workers} sync workers), PostgreSQL, "
        f"MovieLens 100K, Mult-VAE (v{result['version']}), {args.requests} sequential keep-alive requests per "
        f"endpoint for latency, {args.clients} concurrent clients for throughput, same server, same run.",
        "",
        "| endpoint | p50 ms | p99 ms | req/s | p50 / floor | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    targets = {"ping (floor)": "—", "recommendations": "≤ 1.3×", "fold-in (20 ratings)": "≤ 2×"}
    for name, s in rows.items():
        lines.append(
            f"| {name} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['rps']:.0f} | {s['p50_ms'] / floor_p50:.2f}× | "
            f"{targets[name]} |"
        )
    from benchmarks.report import section_write

    section_write("recommender_serving", "\n".join(lines), {"rows": rows, "args": vars(args)})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
