"""The wardrobe's web paths over HTTP: decode a clicked point, encode an image, fetch a map.

    python -m benchmarks.representations_web [--requests 300] [--workers 2] [--model conv]

Trains a code-2 model and PCA in-process (`train representation --sync`, small budgets: the
figures measured here are latencies, not quality), starts gunicorn over a fresh SQLite database,
and times sequential keep-alive requests: POST /decode/ at random points of the map (the
click-to-item path; target p95 < 300 ms), POST /encode/ of test images as 28×28 PNGs and of a
photo-sized PNG (resized by the server), and GET /embedding/ of all 10,000 points, beside the
trivial /api/ping/ (the framework's floor).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import shutil
import tempfile
import uuid
from pathlib import Path

from benchmarks.http_common import gunicorn_start, latency_summary, manage, requests_timed

TARGET_MS = 300.0


def train(model: str, settings: dict, env: dict) -> int:
    sets = [arg for key, value in settings.items() for arg in ("--set", f"{key}={json.dumps(value)}")]
    out = manage("train", "representation", "--dataset", "fashion-mnist", "--model", model, *sets, "--sync", env=env)
    return int(json.loads(out.strip().splitlines()[-1])["model_version"])


def multipart(png: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def png_of(pixels) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default="conv", help="the code-2 autoencoder to decode with")
    parser.add_argument("--seconds", type=float, default=60, help="its training budget")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="aeweb-bench-rep-"))
    try:
        rows, version, load = run(args, var)
    finally:
        shutil.rmtree(var, ignore_errors=True)  # its database, artifacts and the trained models
    report(args, rows, version, load)


def run(args: argparse.Namespace, var: Path) -> tuple[dict, int, float]:
    """Train, serve, time: ({case: summary}, the code-2 model's version id, the highest 1-min load average)."""
    (var / "staticfiles").mkdir()  # STATIC_ROOT: WhiteNoise warns in every worker when it is missing
    env = {
        **os.environ,
        "AEWEB_VAR_DIR": str(var),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var / 'db.sqlite3'}"),
        "AEWEB_THROTTLE_ANON": "100000000/min",
        "AEWEB_THROTTLE_USER": "100000000/min",
        "AEWEB_THROTTLE_REPRESENTATIONS": "100000000/min",
        "DJANGO_DEBUG": "0",
        "AEWEB_DEVICE": "cpu",
        "PYTHONUNBUFFERED": "1",
    }
    manage("migrate", "--noinput", "-v0", env=env)
    quick = {"code": 2, "epochs": 3, "train_count": 20000, "max_seconds": args.seconds}
    version = train(args.model, quick, env)
    pca = train("pca", {"code": 2}, env)

    from apps.core.ml.image_datasets import dataset_load

    images, _labels = dataset_load("fashion-mnist", "test", download=False, progress=False)
    rng = random.Random(0)
    port = 18000 + rng.randint(0, 999)
    server = gunicorn_start(port, workers=args.workers, env=env)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", f"/api/representations/{version}/embedding/?limit=1")
        extent = json.loads(conn.getresponse().read())["range"]
        conn.close()
        n = args.requests

        def decode_requests(v: int) -> list:
            return [
                ("POST", f"/api/representations/{v}/decode/",
                 json.dumps({"point": [rng.uniform(*extent["x"]), rng.uniform(*extent["y"])]}).encode(),
                 "application/json")
                for _ in range(n)
            ]  # fmt: skip

        def encode_requests(v: int, big: bool = False) -> list:
            out = []
            for _ in range(n if not big else max(20, n // 5)):
                pixels = images[rng.randrange(len(images))]
                if big:  # a photo-sized upload: 1024×1024, resized to 28×28 by the server
                    pixels = pixels.repeat(37, axis=0).repeat(37, axis=1)[:1024, :1024]
                body, content_type = multipart(png_of(pixels))
                out.append(("POST", f"/api/representations/{v}/encode/", body, content_type))
            return out

        cases = {
            "ping (floor)": [("GET", "/api/ping/", None, "")] * n,
            f"decode ({args.model}, click to item)": decode_requests(version),
            "decode (pca)": decode_requests(pca),
            f"encode 28×28 PNG ({args.model})": encode_requests(version),
            "encode 28×28 PNG (pca)": encode_requests(pca),
            f"encode 1024×1024 PNG ({args.model})": encode_requests(version, big=True),
            "embedding, 10,000 points": [("GET", f"/api/representations/{version}/embedding/", None, "")]
            * max(20, n // 10),
        }
        for requests in cases.values():  # warm: every process loads the arrays once
            requests_timed(port, requests[: 4 * args.workers])
        load = os.getloadavg()[0]
        rows = {name: latency_summary(requests_timed(port, requests)) for name, requests in cases.items()}
        load = max(load, os.getloadavg()[0])
    finally:
        server.terminate()
        server.wait(timeout=20)
    return rows, version, load


def report(args: argparse.Namespace, rows: dict, version: int, load: float) -> None:
    lines = [
        "## Representations: the wardrobe's web paths",
        "",
        f"`python -m benchmarks.representations_web` — gunicorn ({args.workers} sync workers), SQLite, Fashion-MNIST, "
        f"a code-2 {args.model} autoencoder (v{version}, trained {args.seconds:g} s) and PCA; sequential keep-alive "
        "requests, NumPy in the web process. Target for the click-to-item path (decode): p95 < 300 ms.",
        "",
        "| path | requests | p50 ms | p95 ms | mean ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, s in rows.items():
        lines.append(f"| {name} | {s['requests']} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {s['mean_ms']:.1f} |")
    click = rows[f"decode ({args.model}, click to item)"]
    verdict = "met" if click["p95_ms"] < TARGET_MS else "NOT met"
    lines += [
        "",
        f"Click-to-item target (p95 < {TARGET_MS:.0f} ms): {verdict} ({click['p95_ms']:.1f} ms). "
        f"Load average (1 min) during the timed requests: up to {load:.1f} on {os.cpu_count()} CPUs.",
    ]
    from benchmarks.report import section_write

    section_write("representations_web", "\n".join(lines), {"rows": rows, "args": vars(args), "loadavg_1min": load})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
