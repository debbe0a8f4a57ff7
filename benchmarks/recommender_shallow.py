"""The shallow denoising autoencoders (DLAE, EDLAE; Steck 2020) and the validated ensemble beside EASE.

    OMP_NUM_THREADS=1 AEWEB_DATA_DIR=/work/shared/data python -m benchmarks.recommender_shallow     # full run
    python -m benchmarks.recommender_shallow --quick                                                # minutes

Part `strong` (Liang et al. 2018's strong generalisation, as benchmarks/recommender_quality):
for each data set and split seed, `recommender_train` (the worker's own function) trains EDLAE,
DLAE and "ensemble" (EDLAE blended with a one-layer Mult-DAE); popularity and EASE come from the
same calls, on the same split. Every setting — EASE's λ, DLAE/EDLAE's dropout p and λ, the
network's epoch, the blend weight — is chosen on the split's validation users by the same
rule for every data set; the Mult-DAE part has TrainConfig's ensemble defaults everywhere
(one layer of 600, 100 epochs, the best validated epoch). Mult-VAE/Mult-DAE alone are read
from recommender_quality's results (the same seeds, so the same splits: its EASE figures equal
this run's) and labelled as such.

Part `recbole` (RecBole's protocol on ML-100K, as benchmarks/recommender_quality): EASE, DLAE,
EDLAE with their settings chosen on the valid part's NDCG@10, and the ensemble of EDLAE with
the protocol's Mult-DAE, test NDCG@10 / Recall@10.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from benchmarks._recommender_common import (
    RECBOLE_ISSUE_FIGURES,
    ProtocolConfig,
    dataset_load,
    device_pick,
    pm,
    recbole_evaluate,
    recbole_protocol_fit,
    recbole_split_ml100k,
    threads_set,
)

# TrainConfig's defaults for every model and data set: the ensemble's network is its own default
# shape (one hidden layer of 600), its settings TrainConfig's (100 epochs, the best validated).
STRONG_MODELS = {
    "EDLAE": {"model": "edlae"},
    "DLAE": {"model": "dlae"},
    "Ensemble (EDLAE + Mult-DAE)": {"model": "ensemble"},
}
KEYS = ("ndcg@100", "recall@20", "recall@50")
TARGET_MARGIN = 0.005


def args_parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 splits of ML-100K, few epochs; writes nothing")
    parser.add_argument("--part", choices=("all", "strong", "recbole"), default="all")
    parser.add_argument("--datasets", nargs="+", default=["ml-100k", "ml-1m"])
    parser.add_argument("--splits", type=int, default=5, help="user splits (seeds 0..n-1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the machine is shared)")
    parser.add_argument("--device", default="auto", help="auto (cuda when there is one), cpu or cuda")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --quick")
    return parser.parse_args(argv)


def strong_run(dataset: str, seeds: list[int], quick: bool, device: str = "cpu") -> dict[str, Any]:
    from apps.recommender.ml.train import TrainConfig, recommender_train

    data = dataset_load(dataset)
    rows: dict[str, list[dict[str, Any]]] = {"popularity": [], "EASE": [], **{name: [] for name in STRONG_MODELS}}
    for seed in seeds:
        fixed: dict[str, Any] = {}
        for name, overrides in STRONG_MODELS.items():
            settings = {**overrides, **fixed, "seed": seed}
            if quick:
                settings["epochs"] = 5
            if overrides["model"] == "dlae":  # DLAE searches its own p and λ
                settings = {k: v for k, v in settings.items() if not k.startswith("dlae_")}
            started = time.perf_counter()
            result = recommender_train(
                data.user_index, data.item_index, data.rating, data.n_users, data.n_items,
                TrainConfig.from_dict(settings), device=device,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            if not rows["EASE"] or rows["EASE"][-1]["seed"] != seed:
                rows["popularity"].append({"seed": seed, **result.baselines["popularity"]})
                rows["EASE"].append({"seed": seed, "lambda": result.config["ease_lambda"], **result.baselines["ease"]})
                # The same split gives the same choices: later calls skip the searches they would repeat.
                fixed = {"ease_lambda": result.config["ease_lambda"]}
            if overrides["model"] == "edlae":
                fixed.update(dlae_dropout=result.config["dlae_dropout"], dlae_lambda=result.config["dlae_lambda"])
            entry = {"seed": seed, **result.metrics, "validation_ndcg@100": result.validation["ndcg@100"]}
            entry["seconds"] = round(seconds, 1)
            for key in ("dlae_dropout", "dlae_lambda", "ensemble_weight"):
                if key in result.config:
                    entry[key] = result.config[key]
            if overrides["model"] == "ensemble":
                entry["best_epoch"] = result.best_epoch
            rows[name].append(entry)
            print(dataset, seed, name, {k: round(v, 4) if isinstance(v, float) else v for k, v in entry.items()})
            print(dataset, seed, "EASE", {k: round(v, 4) for k, v in result.baselines["ease"].items()}, flush=True)
    return {"dataset": dataset, "seeds": seeds, "settings": STRONG_MODELS, "results": rows}


def landed_results(dataset: str) -> dict[str, list[dict[str, Any]]]:
    """Mult-VAE/Mult-DAE per seed from recommender_quality's saved run (same seeds, same splits)."""
    from benchmarks.report import RESULTS

    path = RESULTS / "recommender_quality_strong.json"
    if not path.exists():
        return {}
    saved = json.loads(path.read_text())["strong"].get(dataset, {}).get("results", {})
    return {name: saved[name] for name in ("EASE", "Mult-VAE", "Mult-DAE") if name in saved}


def strong_markdown(run: dict[str, Any]) -> str:
    rows, dataset = run["results"], run["dataset"]
    landed = landed_results(dataset)
    lines = [
        f"**{dataset}**: {len(run['seeds'])} user splits (seeds {', '.join(map(str, run['seeds']))}); test metrics, "
        "mean ± std over the splits; every model's settings chosen on the split's validation users.",
        "",
        "| model | NDCG@100 | Recall@20 | Recall@50 | validation NDCG@100 | − EASE (NDCG@100) | splits ≥ EASE |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    ease = [r["ndcg@100"] for r in rows["EASE"]]
    for name, entries in rows.items():
        cells = [pm([e[k] for e in entries]) for k in KEYS]
        valid = pm([e["validation_ndcg@100"] for e in entries]) if "validation_ndcg@100" in entries[0] else "—"
        if name in ("popularity", "EASE"):
            diff, wins = "—", "—"
        else:
            deltas = [e["ndcg@100"] - b for e, b in zip(entries, ease, strict=True)]
            diff, wins = f"{np.mean(deltas):+.4f}", f"{sum(d >= 0 for d in deltas)}/{len(deltas)}"
        lines.append(f"| {name} | {' | '.join(cells)} | {valid} | {diff} | {wins} |")
    if landed.get("EASE") and [round(e["ndcg@100"], 6) for e in landed["EASE"]] == [round(e, 6) for e in ease]:
        for name in ("Mult-VAE", "Mult-DAE"):
            if name in landed:
                entries = landed[name]
                deltas = [e["ndcg@100"] - b for e, b in zip(entries, ease, strict=True)]
                cells = [pm([e[k] for e in entries]) for k in KEYS]
                lines.append(
                    f"| {name} (recommender_quality's run, same splits) | {' | '.join(cells)} | — | "
                    f"{np.mean(deltas):+.4f} | {sum(d >= 0 for d in deltas)}/{len(deltas)} |"
                )
    lines.append("")
    for name in STRONG_MODELS:
        entries = rows[name]
        chosen = [
            ", ".join(
                f"{k.replace('dlae_', '')} {e[k]:g}"
                for k in ("dlae_dropout", "dlae_lambda", "ensemble_weight")
                if k in e
            )
            for e in entries
        ]
        lines.append(
            f"{name}: chosen per split — {'; '.join(chosen)}; {np.mean([e['seconds'] for e in entries]):.0f} s per "
            "training (1 torch/BLAS thread, shared 2-core machine, the serving arrays included; the first call "
            "per split, EDLAE, also searches EASE's λ; DLAE and the ensemble reuse that λ, and the ensemble "
            "EDLAE's p and λ)."
        )
        lines.append("")
    best = max(STRONG_MODELS, key=lambda n: np.mean([e["ndcg@100"] for e in rows[n]]))
    gain = np.mean([e["ndcg@100"] for e in rows[best]]) - np.mean(ease)
    verdict = "met" if gain >= TARGET_MARGIN else f"missed by {TARGET_MARGIN - gain:.4f}"
    lines.append(
        f"Best autoencoder: {best}, {gain:+.4f} NDCG@100 over EASE on the mean (target ≥ +{TARGET_MARGIN}: {verdict})."
    )
    return "\n".join(lines)


def recbole_part(quick: bool, device: str = "cpu") -> dict[str, Any]:
    from apps.recommender.ml.dlae import blend_weight_select, closed_form_select
    from apps.recommender.ml.ease import ease_scores
    from apps.recommender.ml.serving import scores_blend

    split = recbole_split_ml100k(2020)
    valid_in, valid_target = split.train[split.valid_users], split.valid[split.valid_users]
    out: dict[str, Any] = {"seed": 2020}
    matrices = {}
    for name, model in (("EASE", "ease"), ("DLAE", "dlae"), ("EDLAE", "edlae")):
        lambdas = (50.0, 100.0, 250.0, 500.0, 1000.0) if model == "ease" else None
        chosen, B, _ = closed_form_select(model, split.train, valid_in, valid_target, lambdas=lambdas, k=10)
        matrices[name] = B
        out[name] = {"test": recbole_evaluate(lambda rows, B=B: ease_scores(rows, B), split, "test"), **chosen}
        print("recbole", name, out[name], flush=True)
    config = ProtocolConfig(model="mult-dae", hidden=0, latent=600, epochs=5 if quick else 100, device=device)
    fitted = recbole_protocol_fit(config, split, with_score_fn=True)
    neural_fn, B = fitted["score_fn"], matrices["EDLAE"]
    out["Mult-DAE"] = {"test": fitted["test"], "valid": fitted["valid"], "best_epoch": fitted["best_epoch"]}
    weight, table = blend_weight_select(ease_scores(valid_in, B), neural_fn(valid_in), valid_in, valid_target, k=10)
    blend = recbole_evaluate(lambda rows: scores_blend(ease_scores(rows, B), neural_fn(rows), weight), split, "test")
    out["Ensemble (EDLAE + Mult-DAE)"] = {"test": blend, "weight": weight, "validation_ndcg": table[weight]}
    print("recbole", out["Mult-DAE"], out["Ensemble (EDLAE + Mult-DAE)"], flush=True)
    return out


def recbole_markdown(run: dict[str, Any]) -> str:
    lines = [
        "RecBole's protocol on ML-100K (seed 2020 split; every rating an interaction, per-user random 80/10/10, "
        "full ranking); settings chosen on the valid part's NDCG@10. Target for the autoencoders: NDCG@10 ≥ 0.33.",
        "",
        "| model | NDCG@10 | Recall@10 | chosen on valid |",
        "| --- | --- | --- | --- |",
    ]
    for name, entry in run.items():
        if name == "seed":
            continue
        chosen = ", ".join(f"{k} {entry[k]:g}" for k in ("p", "lambda", "weight", "best_epoch") if k in entry)
        lines.append(f"| {name} | {entry['test']['ndcg@10']:.4f} | {entry['test']['recall@10']:.4f} | {chosen} |")
    recbole_own = RECBOLE_ISSUE_FIGURES.get("MultiVAE", {}).get("ndcg@10")
    if recbole_own is not None:
        lines.append(f"| RecBole 1.2.1's own MultiVAE (issue 2's figure, not this run) | {recbole_own:.4f} | — | — |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = args_parse(argv)
    threads = threads_set(args.threads)
    seeds = list(range(2 if args.quick else args.splits))
    datasets = ["ml-100k"] if args.quick else args.datasets
    data: dict[str, Any] = {"threads": threads, "quick": args.quick, "measured_utc": ""}
    sections = []
    if args.part in ("all", "strong"):
        data["strong"] = {name: strong_run(name, seeds, args.quick, device_pick(args.device)) for name in datasets}
        sections.append(
            "### Strong generalisation\n\n" + "\n\n".join(strong_markdown(r) for r in data["strong"].values())
        )
    if args.part in ("all", "recbole"):
        data["recbole"] = recbole_part(args.quick, device_pick(args.device))
        sections.append("### RecBole's protocol\n\n" + recbole_markdown(data["recbole"]))
    data["measured_utc"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    markdown = (
        "## Recommender: shallow denoising autoencoders and the validated ensemble\n\n"
        f"`python -m benchmarks.recommender_shallow` (torch threads: {threads}; run with OMP/BLAS threads 1).\n\n"
        + "\n\n".join(sections)
    )
    print(markdown)
    if args.write or not args.quick:
        from benchmarks.report import section_write

        name = "recommender_shallow" if args.part == "all" else f"recommender_shallow_{args.part}"
        section_write(name, markdown, data)


if __name__ == "__main__":
    main()
