"""Recommender scale: one Mult-VAE epoch on a synthetic ML-20M-shaped data set, its time and peak memory.

    python -m benchmarks.recommender_scale            # full: ≈138k users, 20k items, 10M interactions
    python -m benchmarks.recommender_scale --quick    # a tenth of the users and interactions; writes nothing

The data are made up (no ML-20M here): per-user history lengths log-normal (at least 5, mean
≈72: ML-20M's positives per user after Liang et al.'s filtering), items drawn with a Zipf-like
popularity so that the item-count profile is as skewed as MovieLens'. One child process builds
the csr matrix, runs one epoch of the project's Mult-VAE (Liang's ML-20M settings: batch 500,
I-600-200-600-I, sparse first layer) and scores 10,000 held-out-sized users for validation
(top-100, as `recommender_train` does each epoch); the parent reads the child's peak RSS
(`ru_maxrss` of RUSAGE_CHILDREN) and the child reports its own VmHWM. Target: under 3 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

from benchmarks._recommender_common import ROOT, ProtocolConfig, device_pick, threads_set

ML20M_SHAPE = {"users": 138_493, "items": 20_000, "interactions": 10_000_000}
LIMIT_GB = 3.0
VALIDATION_USERS = 10_000  # Liang et al.'s held-out users on ML-20M


def args_parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the users and interactions; writes nothing")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--device", default="auto", help="auto (cuda when there is one), cpu or cuda")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --quick")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=ML20M_SHAPE["users"], help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=ML20M_SHAPE["items"], help=argparse.SUPPRESS)
    parser.add_argument("--interactions", type=int, default=ML20M_SHAPE["interactions"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def synthetic_interactions(users: int, items: int, interactions: int, seed: int = 0) -> Any:
    """A users x items binary csr matrix with about `interactions` non-zeros, MovieLens-like skew."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    lengths = rng.lognormal(mean=0.0, sigma=1.0, size=users)
    lengths = np.maximum(5, np.round(lengths / lengths.mean() * interactions / users)).astype(np.int64)
    lengths = np.minimum(lengths, items // 2)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    popularity /= popularity.sum()
    relabel = rng.permutation(items).astype(np.int32)  # popular items spread over the ids
    matrix = sp.csr_matrix((users, items), dtype=np.float32)
    # Drawing with replacement loses the repeats: draw each user's shortfall again, a few rounds.
    for _ in range(4):
        short = lengths - np.diff(matrix.indptr)
        if short.sum() <= 0:
            break
        short = np.maximum(short, 0)
        rows = np.repeat(np.arange(users, dtype=np.int32), short)
        cols = relabel[rng.choice(items, size=int(short.sum()), p=popularity)]
        extra = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(users, items))
        del rows, cols
        matrix = matrix + extra
        matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def vm_hwm_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child_run(args: argparse.Namespace) -> None:
    import numpy as np

    from apps.recommender.ml.metrics import seen_exclude, topk_indices
    from benchmarks._recommender_common import NeuralTrainer

    threads = threads_set(args.threads)
    started = time.perf_counter()
    train = synthetic_interactions(args.users, args.items, args.interactions)
    built = time.perf_counter()
    memory_data = vm_hwm_mb()
    config = ProtocolConfig(model="mult-vae", epochs=1, batch_size=args.batch_size, hidden=600, latent=200,
                            device=device_pick(args.device))  # fmt: skip
    trainer = NeuralTrainer.build(config, train.shape[0], train.shape[1])
    rng = np.random.default_rng(0)
    epoch_started = time.perf_counter()
    loss = trainer.epoch_run(train, rng)
    epoch_s = time.perf_counter() - epoch_started
    score_fn = trainer.score_fn()
    validation = train[: min(VALIDATION_USERS, train.shape[0])]
    eval_started = time.perf_counter()
    for start in range(0, validation.shape[0], 1000):
        rows = validation[start : start + 1000]
        topk_indices(seen_exclude(score_fn(rows), rows), 100)
    eval_s = time.perf_counter() - eval_started
    line = {
        "users": int(train.shape[0]),
        "items": int(train.shape[1]),
        "interactions": int(train.nnz),
        "threads": threads,
        "batch_size": args.batch_size,
        "build_s": round(built - started, 3),
        "epoch_s": round(epoch_s, 3),
        "validation_s": round(eval_s, 3),
        "validation_users": int(validation.shape[0]),
        "loss": loss,
        "vm_hwm_after_data_mb": round(memory_data, 1),
        "vm_hwm_mb": round(vm_hwm_mb(), 1),
        "parameters": int(sum(p.numel() for p in trainer.model.parameters())),
    }
    sys.stdout.write(json.dumps(line) + "\n")


def main(argv: list[str] | None = None) -> None:
    args = args_parse(argv)
    if args.child:
        child_run(args)
        return
    scale = 10 if args.quick else 1
    shape = {k: (v // scale if k != "items" else v) for k, v in ML20M_SHAPE.items()}
    command = [sys.executable, "-m", "benchmarks.recommender_scale", "--child", "--threads", str(args.threads)]
    command += ["--device", args.device]
    command += ["--batch-size", str(args.batch_size)]
    command += ["--users", str(shape["users"]), "--items", str(shape["items"])]
    command += ["--interactions", str(shape["interactions"])]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"child failed with {done.returncode}")
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    # Linux reports ru_maxrss in kilobytes: the largest peak of any waited-for child.
    result["ru_maxrss_children_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    result["child_wall_s"] = round(wall, 3)
    peak_gb = result["ru_maxrss_children_mb"] / 1024
    verdict = "met" if peak_gb < LIMIT_GB else f"missed by {peak_gb - LIMIT_GB:.2f} GB"
    markdown = "\n".join(
        [
            "## Recommender scale (synthetic ML-20M shape)",
            "",
            f"`python -m benchmarks.recommender_scale` — torch threads: {result['threads']}; synthetic data "
            "(log-normal history lengths, Zipf-like item popularity), one child process.",
            "",
            "| users × items | interactions | parameters | build data s | one Mult-VAE epoch s "
            f"| score + top-100 of {result['validation_users']:,} users s | peak RSS (ru_maxrss) | VmHWM after data |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            f"| {result['users']:,} × {result['items']:,} | {result['interactions']:,} | {result['parameters']:,} "
            f"| {result['build_s']:.1f} | {result['epoch_s']:.1f} | {result['validation_s']:.1f} "
            f"| {result['ru_maxrss_children_mb']:.0f} MB | {result['vm_hwm_after_data_mb']:.0f} MB |",
            "",
            f"Mult-VAE I-600-200-600-I, batch {result['batch_size']} (Liang et al.'s ML-20M settings). "
            f"Peak memory under {LIMIT_GB:g} GB: {verdict}.",
        ]
    )
    print(markdown)
    if not args.quick or args.write:
        from benchmarks.report import section_write

        section_write("recommender_scale", markdown, result)


if __name__ == "__main__":
    main()
