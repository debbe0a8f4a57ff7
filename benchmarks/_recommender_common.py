"""What the recommender benchmarks share: data loading, RecBole's protocol for our models, the RecBole venv.

`apps.recommender.ml.train.recommender_train` runs Liang et al.'s strong-generalisation
protocol only; RecBole's protocol (every rating an implicit interaction, per-user random
80/10/10 split, full ranking, NDCG@10 / Recall@10, validation every `eval_step` epochs and the
best validated model tested) needs its own small loop, written here with the package's models,
split and metrics so that only the protocol differs.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from benchmarks.gallery_common import device_pick  # noqa: F401  (the recommender benchmarks' --device)

ROOT = Path(__file__).resolve().parent.parent
RECBOLE_PYTHON = ROOT / "var" / "recbole-venv" / "bin" / "python"
RECBOLE_RUN = ROOT / "benchmarks" / "recbole_run.py"
DATASETS = {"ml-100k": "ml-100k", "ml-1m": "ml-1m"}

# RecBole 1.2.1 on ML-100K as quoted in issue 2 (measured on this machine type, seed 2020, 100 epochs).
RECBOLE_ISSUE_FIGURES = {
    "EASE": {"ndcg@10": 0.3295},
    "RecVAE": {"ndcg@10": 0.3222},
    "MultiDAE": {"ndcg@10": 0.2989},
    "MultiVAE": {"ndcg@10": 0.2978},
    "Pop": {"ndcg@10": 0.1365},
}
RECBOLE_ISSUE_WALL_S = {"MultiVAE": 18.7, "MultiDAE": 17.5, "RecVAE": 85.0}


def data_dir() -> Path:
    """The shared data sets: $AEWEB_DATA_DIR, else ../shared/data beside the checkout."""
    env = os.environ.get("AEWEB_DATA_DIR")
    for candidate in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data", Path("/work/shared/data")]:
        if candidate.is_dir():
            return candidate
    raise SystemExit("no data folder: set AEWEB_DATA_DIR (e.g. AEWEB_DATA_DIR=/work/shared/data)")


def dataset_load(name: str) -> Any:
    """ML-100K or the partial ML-1M as `RatingsData`, through the project's own reader."""
    from apps.recommender.ml.readers import ratings_read

    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return ratings_read(data_dir() / DATASETS[name])


def threads_set(n: int) -> int:
    import torch

    if n > 0:
        torch.set_num_threads(n)
    return torch.get_num_threads()


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    values = [float(v) for v in values]
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def pm(values: Sequence[float], digits: int = 4) -> str:
    """Mean ± std, or the single value alone."""
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if len(values) > 1 else f"{mean:.{digits}f}"


# ---------------------------------------------------------------------------------------------
# RecBole's protocol for the project's models


@dataclass(frozen=True)
class ProtocolConfig:
    """A neural model's settings under RecBole's protocol (RecBole's epochs and eval_step by default)."""

    model: str = "mult-vae"
    epochs: int = 100
    eval_step: int = 10
    batch_size: int = 100
    lr: float = 1e-3
    weight_decay: float = 0.0
    hidden: int = 600
    latent: int = 200
    dropout: float = 0.5
    anneal_cap: float = 0.2
    total_anneal_steps: int | None = None  # None: the cap at 80 % of all updates, as TrainConfig
    gamma: float = 0.005
    encoder_epochs: int = 3
    seed: int = 0
    # The package's trainer uses torch's default (for-loop) Adam; fused=True is what
    # benchmarks/recommender_speed.py measures as a proposed change.
    fused_adam: bool = False
    device: str = "cpu"  # where the model trains and scores (benchmarks' --device)

    def with_(self, **changes: Any) -> ProtocolConfig:
        return replace(self, **changes)


def recbole_metrics(scores: np.ndarray, seen: sp.csr_matrix, heldout: sp.csr_matrix, k: int = 10) -> dict[str, float]:
    """RecBole's full-ranking NDCG@k and Recall@k (hits / all held-out items), seen items excluded."""
    from apps.recommender.ml.metrics import ndcg_at_k, recall_at_k_recbole, seen_exclude

    scores = seen_exclude(np.array(scores, dtype=np.float32), seen)
    return {
        f"ndcg@{k}": float(np.nanmean(ndcg_at_k(scores, heldout, k))),
        f"recall@{k}": float(np.nanmean(recall_at_k_recbole(scores, heldout, k))),
    }


def recbole_evaluate(score_fn: Callable[[sp.csr_matrix], np.ndarray], split: Any, part: str) -> dict[str, float]:
    """Metrics on `part` ("valid" or "test") for the users who have interactions there.

    Scores come from each user's train row, as RecBole's autoencoders fold users in from
    their training history at evaluation time (valid items are not input at test time either).
    """
    users = split.valid_users if part == "valid" else split.test_users
    seen = split.valid_seen() if part == "valid" else split.test_seen()
    heldout = split.valid if part == "valid" else split.test
    scores = score_fn(split.train[users])
    return recbole_metrics(scores, seen[users], heldout[users])


def popularity_score_fn(train: sp.csr_matrix) -> Callable[[sp.csr_matrix], np.ndarray]:
    counts = np.asarray(train.sum(axis=0)).ravel().astype(np.float32)
    return lambda rows: np.tile(counts, (rows.shape[0], 1))


def ease_recbole_fit(
    split: Any, grid: Sequence[float] = (50.0, 100.0, 250.0, 500.0, 1000.0)
) -> tuple[float, dict[str, float], dict[float, float]]:
    """EASE with λ chosen on the valid part's NDCG@10; returns λ, the test metrics and the grid."""
    from apps.recommender.ml.ease import ease_from_gram, ease_gram, ease_scores

    gram = ease_gram(split.train)
    table: dict[float, float] = {}
    best: tuple[float, float, np.ndarray] | None = None
    for lam in grid:
        B = ease_from_gram(gram, lam)
        valid = recbole_evaluate(lambda rows, B=B: ease_scores(rows, B), split, "valid")["ndcg@10"]
        table[float(lam)] = valid
        if best is None or valid > best[0]:
            best = (valid, float(lam), B)
    assert best is not None, "empty lambda grid"
    _, lam, B = best
    return lam, recbole_evaluate(lambda rows: ease_scores(rows, B), split, "test"), table


def _adam(params: list[tuple[str, Any]], lr: float, weight_decay: float, fused: bool = False) -> Any:
    """Adam with L2 on weight matrices only, as the package's trainer does."""
    import torch

    decay = [p for _, p in params if p.requires_grad and p.ndim > 1]
    plain = [p for _, p in params if p.requires_grad and p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": plain}]
    return torch.optim.Adam(groups, lr=lr, fused=True) if fused else torch.optim.Adam(groups, lr=lr)


@dataclass
class NeuralTrainer:
    """One model, its optimisers and the KL schedule; `epoch_run` is one pass over `train`'s rows.

    The same updates as `apps.recommender.ml.train._neural_train` (shuffled user batches,
    KL weight annealed linearly to the cap, RecVAE's alternating encoder/decoder passes), on
    any users x items csr matrix: the scale benchmark uses it without the strong split.
    """

    model: Any
    optimizers: dict[str, Any]
    config: ProtocolConfig
    n_rows: int
    anneal_steps: int
    updates: int = 0

    @classmethod
    def build(cls, config: ProtocolConfig, n_rows: int, n_items: int) -> NeuralTrainer:
        import torch

        from apps.recommender.ml.models import RecVAE, model_build

        torch.manual_seed(config.seed)
        model = model_build(
            config.model, n_items, hidden=config.hidden, latent=config.latent, dropout=config.dropout,
            gamma=config.gamma,
        ).to(config.device)  # fmt: skip
        fused = config.fused_adam
        if isinstance(model, RecVAE):
            optimizers = {
                "encoder": _adam(list(model.encoder.named_parameters()), config.lr, config.weight_decay, fused),
                "decoder": _adam(list(model.decoder.named_parameters()), config.lr, config.weight_decay, fused),
            }
        else:
            optimizers = {"all": _adam(list(model.named_parameters()), config.lr, config.weight_decay, fused)}
        steps = math.ceil(n_rows / config.batch_size)
        anneal = config.total_anneal_steps or max(1, int(0.8 * config.epochs * steps))
        return cls(model=model, optimizers=optimizers, config=config, n_rows=n_rows, anneal_steps=anneal)

    def _pass(self, train: sp.csr_matrix, rng: np.random.Generator, optimizer: Any, dropout: float | None) -> float:
        from apps.recommender.ml.models import RecVAE, csr_to_torch

        recvae = isinstance(self.model, RecVAE)
        self.model.train()
        order = rng.permutation(self.n_rows)
        total = 0.0
        for start in range(0, self.n_rows, self.config.batch_size):
            rows = order[start : start + self.config.batch_size]
            x = csr_to_torch(train[rows], self.config.device)
            beta = min(self.config.anneal_cap, self.updates / self.anneal_steps)
            loss, _ = self.model.loss(x, dropout=dropout) if recvae else self.model.loss(x, beta=beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            self.updates += 1
            total += float(loss.detach()) * len(rows)
        return total / self.n_rows

    def epoch_run(self, train: sp.csr_matrix, rng: np.random.Generator) -> float:
        if "all" in self.optimizers:
            return self._pass(train, rng, self.optimizers["all"], None)
        losses = [self._pass(train, rng, self.optimizers["encoder"], self.config.dropout)]
        losses += [self._pass(train, rng, self.optimizers["encoder"], self.config.dropout)
                   for _ in range(self.config.encoder_epochs - 1)]  # fmt: skip
        self.model.prior_update()
        losses.append(self._pass(train, rng, self.optimizers["decoder"], 0.0))
        return float(np.mean(losses))

    def score_fn(self) -> Callable[[sp.csr_matrix], np.ndarray]:
        from apps.recommender.ml.export import neural_score_fn

        return neural_score_fn(self.model, self.config.device)


def recbole_protocol_fit(config: ProtocolConfig, split: Any, *, with_score_fn: bool = False) -> dict[str, Any]:
    """Train on the split's train part, validate every `eval_step` epochs (NDCG@10), test the best.

    RecBole keeps the best validated model and tests it; so does this loop. Returns the test
    and best valid metrics, the best epoch, the validation curve and the time spent training
    (and, `with_score_fn`, the best model's score function, for an ensemble to reuse).
    """
    trainer = NeuralTrainer.build(config, split.train.shape[0], split.train.shape[1])
    rng = np.random.default_rng(config.seed)
    score_fn = trainer.score_fn()
    best: tuple[float, int, dict[str, float], dict[str, Any]] | None = None
    curve: list[dict[str, float]] = []
    train_s = eval_s = 0.0
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        loss = trainer.epoch_run(split.train, rng)
        train_s += time.perf_counter() - started
        if epoch % config.eval_step and epoch != config.epochs:
            continue
        started = time.perf_counter()
        valid = recbole_evaluate(score_fn, split, "valid")
        eval_s += time.perf_counter() - started
        curve.append({"epoch": epoch, "loss": loss, **valid})
        if best is None or valid["ndcg@10"] > best[0]:
            state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
            best = (valid["ndcg@10"], epoch, valid, state)
    assert best is not None
    trainer.model.load_state_dict(best[3])
    started = time.perf_counter()
    test = recbole_evaluate(score_fn, split, "test")
    eval_s += time.perf_counter() - started
    return {
        "test": test,
        "valid": best[2],
        "best_epoch": best[1],
        "curve": curve,
        "train_s": train_s,
        "eval_s": eval_s,
        "epoch_s": train_s / config.epochs,
        **({"score_fn": score_fn} if with_score_fn else {}),
    }


def recbole_split_ml100k(seed: int) -> Any:
    """RecBole's protocol split of all ML-100K ratings (every rating an interaction)."""
    from apps.recommender.ml.protocol import split_recbole

    data = dataset_load("ml-100k")
    return split_recbole(data.user_index, data.item_index, data.n_users, data.n_items, seed=seed)


# ---------------------------------------------------------------------------------------------
# RecBole itself, in its own virtual environment


def recbole_available() -> bool:
    return RECBOLE_PYTHON.exists()


def recbole_run(model: str, *, threads: int = 0, workdir: Path | None = None, timeout: float = 1800) -> dict[str, Any]:
    """Run benchmarks/recbole_run.py in the RecBole venv; its JSON line plus `subprocess_wall_s`.

    `subprocess_wall_s` is measured here around the whole child process (interpreter start,
    imports, data loading, training, evaluation), the same way as the project's side.
    """
    if not recbole_available():
        raise SystemExit(
            f"{RECBOLE_PYTHON} is missing: create it with python3 -m venv var/recbole-venv && "
            "var/recbole-venv/bin/pip install -r benchmarks/recbole-requirements.txt"
        )
    workdir = workdir or ROOT / "var" / "recbole-work" / model
    command = [str(RECBOLE_PYTHON), str(RECBOLE_RUN), "--model", model, "--workdir", str(workdir)]
    if threads:
        command += ["--threads", str(threads)]
    return _json_child(command, timeout)


def _json_child(command: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(command)} printed no JSON line:\n{done.stdout[-2000:]}")
    result = json.loads(lines[-1])
    result["subprocess_wall_s"] = round(wall, 3)
    return result


def project_child(module: str, args: list[str], timeout: float = 1800) -> dict[str, Any]:
    """Run `python -m module args` with this interpreter; its last JSON line plus `subprocess_wall_s`."""
    env = dict(os.environ)
    env.setdefault("AEWEB_DATA_DIR", str(data_dir()))
    return _json_child([sys.executable, "-m", module, *args], timeout, env)
