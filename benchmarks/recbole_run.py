"""Train one RecBole 1.2.1 model on ML-100K and print one JSON line with its wall time and test metrics.

Runs INSIDE the separate RecBole virtual environment (var/recbole-venv, pins in
benchmarks/recbole-requirements.txt); RecBole is never a dependency of aeweb itself:

    var/recbole-venv/bin/python benchmarks/recbole_run.py --model MultiVAE

RecBole's defaults are kept (model hyper-parameters, the RS 0.8/0.1/0.1 split grouped by user
in random order, full ranking, Adam lr 1e-3, batch 2048) except for what the issue fixes: seed
2020, 100 epochs, evaluation every 10 epochs, metrics NDCG@10 and Recall@10 (NDCG@10 is then
the validation metric, since RecBole's default MRR@10 is not computed). The progress bars are
off so that the run's output stays one JSON line; they do not change the work done.

The data are the ML-100K atomic files shipped inside the recbole wheel
(recbole/dataset_example/ml-100k): the same 100,000 ratings as /work/shared/data/ml-100k.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()

MODELS = ("Pop", "EASE", "MultiVAE", "MultiDAE", "RecVAE")
# RecBole trains these in one pass (TraditionalTrainer forces epochs=1) but keeps eval_step from
# the config, so with eval_step 10 it would never validate nor save the model it then tests.
ONE_PASS = ("Pop", "EASE")


def args_parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--eval-step", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--workdir", type=Path, default=None, help="where RecBole writes log/ and saved/")
    return parser.parse_args(argv)


def recbole_config(model: str, epochs: int, eval_step: int, seed: int, workdir: Path) -> dict:
    import recbole

    if model in ONE_PASS:
        epochs, eval_step = 1, 1
    return {
        "data_path": str(Path(recbole.__file__).parent / "dataset_example"),
        "checkpoint_dir": str(workdir / "saved"),
        "seed": seed,
        "reproducibility": True,
        "epochs": epochs,
        "eval_step": eval_step,
        "metrics": ["NDCG", "Recall"],
        "topk": [10],
        "valid_metric": "NDCG@10",
        "use_gpu": False,
        "show_progress": False,
        "state": "WARNING",
    }


def main(argv: list[str] | None = None) -> None:
    args = args_parse(argv)
    # RecBole 1.2.1 reloads its own best checkpoint (config, optimizer state...) with torch.load,
    # which torch >= 2.6 refuses under weights_only=True; the file is the one this run just wrote.
    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from recbole.quick_start import run_recbole

    import_s = time.perf_counter() - START
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="recbole-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    # RecBole writes its log/ and log_tensorboard/ folders under the current directory.
    os.chdir(workdir)
    config = recbole_config(args.model, args.epochs, args.eval_step, args.seed, workdir)
    began = time.perf_counter()
    result = run_recbole(model=args.model, dataset="ml-100k", config_dict=config)
    run_s = time.perf_counter() - began
    test = {k.lower(): float(v) for k, v in result["test_result"].items()}
    valid = {k.lower(): float(v) for k, v in result["best_valid_result"].items()}
    line = {
        "model": args.model,
        "epochs": config["epochs"],
        "eval_step": config["eval_step"],
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "import_s": round(import_s, 3),
        "run_s": round(run_s, 3),
        "wall_s": round(time.perf_counter() - START, 3),
        "test": test,
        "valid": valid,
    }
    sys.stdout.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
