"""How fast the denoiser trains: the former host-side patch pipeline, the on-device one, and the
model's own ceiling, in steps (and patches) per second.

    python -m benchmarks.denoise_pace [--device auto|cpu|cuda] [--threads 1,2] [--seconds 8]
                                      [--repeats 3] [--chunk N] [--configs cpu,full,gpu] [--set key=value]

As measured for docs/benchmarks.md: on a GPU `--device cuda --seconds 4 --repeats 3` (runs of
log_every = 50 steps, as the loop reads its loss); on the shared CPU
`--device cpu --threads 1,2 --seconds 0 --repeats 40 --chunk 1` (many one-step runs, medians).

For each training configuration (the presets of benchmarks.denoise_train), on Train400:
- old: the former loop: NumpyPatchSampler (a Python loop over patches on the host), the batch
  copied to the device, fp32, and `float(loss)` every step (which waits for the device);
- new: what denoiser_train runs now: DevicePatchSampler (one gather on the device, dihedral
  transforms and noise drawn there), TrainStep (bf16 autocast, channels_last and fused Adam on
  CUDA by default), the loss read every `log_every` steps;
- ceiling: the same TrainStep on one batch already on the device, nothing sampled: the most the
  model itself allows with these settings.
Each figure is the median of --repeats interleaved runs of at least --seconds and --chunk steps
(others share the CPUs; on a loaded CPU, many one-step runs give the steadiest figure).
On CUDA the new pipeline is also measured in fp32 (amp and channels_last off), which separates
what the pipeline gains from what bf16 gains. Targets (issue 13): on a GPU, new ≥ 70 % of the
ceiling and ≥ 10× the old steps/s; on a CPU, new no slower than old.
Writes benchmarks/results/denoise_pace_<device>.json and the section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from benchmarks.denoise_protocol import cpu_seconds, device_pick, set_load, threads_pin
from benchmarks.denoise_train import PRESETS, overrides_parse

CUDA_TARGETS = {"of_ceiling": 0.70, "vs_old": 10.0}
CPU_NOISE = 0.03  # what a median of one-step runs still wanders by on the shared 2-core machine


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _rate(step, *, seconds: float, warmup: int, chunk: int, read, device) -> dict:
    """Steps/s of `step()` over at least `seconds`, read back (`read()`) every `chunk` steps as the loop does."""
    for _ in range(warmup):
        step()
    read()
    _sync(device)
    steps, wall0, cpu0 = 0, time.perf_counter(), cpu_seconds()
    while True:
        for _ in range(chunk):
            step()
        read()
        steps += chunk
        wall = time.perf_counter() - wall0
        if wall >= seconds:
            break
    _sync(device)
    wall = time.perf_counter() - wall0
    return {"steps": steps, "seconds": wall, "cpu_seconds": cpu_seconds() - cpu0, "steps_per_s": steps / wall}


def _pipelines(config, pyramid: list[np.ndarray], device) -> dict:
    """name -> (step, read): one training step each, on fresh models built alike."""
    import torch

    from apps.denoise.ml.model import denoiser_build
    from apps.denoise.ml.patches import DevicePatchSampler, NumpyPatchSampler
    from apps.denoise.ml.train import TrainStep

    batch, lo, hi = config.batch_size, config.sigma_min / 255.0, config.sigma_max / 255.0
    lr, _ = config.lr_scaled()

    def model_fresh():
        torch.manual_seed(config.seed)
        return denoiser_build(config).to(device).train()

    # old: the loop of denoiser_train before the on-device pipeline, step for step
    old_model = model_fresh()
    old_optimizer = torch.optim.Adam(old_model.parameters(), lr=lr, weight_decay=config.weight_decay)
    loss_fn = torch.nn.functional.mse_loss if config.loss == "l2" else torch.nn.functional.l1_loss
    old_sampler = NumpyPatchSampler(pyramid, config.patch_size, np.random.default_rng(config.seed))

    def old_step() -> None:
        for group in old_optimizer.param_groups:
            group["lr"] = lr
        clean = torch.from_numpy(old_sampler.sample(batch)).to(device)
        sigma = torch.empty(batch, device=device).uniform_(lo, hi)
        noisy = clean + torch.randn_like(clean) * sigma.view(-1, 1, 1, 1)
        loss = loss_fn(old_model(noisy, sigma), clean)
        old_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        old_optimizer.step()
        float(loss.detach())

    out = {"old": (old_step, lambda: None)}
    sampler = DevicePatchSampler(pyramid, config.patch_size, device=device, seed=config.seed)
    variants = [("", config), *_other_precision(config, device)]
    for suffix, cfg in variants:
        train_step = TrainStep(model_fresh(), cfg, device)
        total = torch.zeros((), device=device)
        fixed = sampler.batch(batch, lo, hi)

        def new_step(train_step=train_step, total=total) -> None:
            train_step.lr_set(lr)
            total.add_(train_step(*sampler.batch(batch, lo, hi)))

        def ceiling_step(train_step=train_step, total=total, fixed=fixed) -> None:
            train_step.lr_set(lr)
            total.add_(train_step(*fixed))

        def read(total=total) -> None:
            float(total)  # the host waits for the device here, as the loop does every log_every steps

        out[f"new{suffix}"] = (new_step, read)
        out[f"ceiling{suffix}"] = (ceiling_step, read)
    return out


def _samplers(config, pyramid, device, seconds: float) -> dict:
    """Patches/s of the two samplers alone (clean patches + noise, ready on the device)."""
    import torch

    from apps.denoise.ml.patches import DevicePatchSampler, NumpyPatchSampler

    batch = config.batch_size
    old = NumpyPatchSampler(pyramid, config.patch_size, np.random.default_rng(0))
    new = DevicePatchSampler(pyramid, config.patch_size, device=device, seed=0)

    def old_draw() -> None:
        clean = torch.from_numpy(old.sample(batch)).to(device)
        (clean + torch.randn_like(clean) * 0.1).sum().item()  # the old loop waited every step

    out = {}
    for name, draw, read in [
        ("old", old_draw, lambda: None),
        ("new", lambda: new.batch(batch, 0.0, 0.3), lambda: None),
    ]:
        r = _rate(draw, seconds=seconds, warmup=3, chunk=config.log_every, read=read, device=device)
        out[name] = r["steps_per_s"] * batch
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", default="1", help="comma-separated torch thread counts, e.g. 1,2")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=0, help="steps between loss reads (default: log_every)")
    parser.add_argument("--configs", default="", help="presets of benchmarks.denoise_train (default: cpu on a "
                        "CPU, full,gpu on CUDA)")  # fmt: skip
    parser.add_argument("--set", action="append", default=[], help="config override for every preset, key=value")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    threads_pin(threads[0])
    import torch

    from apps.denoise.ml.config import DenoiserConfig
    from apps.denoise.ml.train import _pyramid, images_prepare, train_precision

    device = torch.device(device_pick(args.device))
    names = [c for c in args.configs.split(",") if c] or (["full", "gpu"] if device.type == "cuda" else ["cpu"])
    train = set_load("Train400", mode="L")
    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, torch {torch.__version__}"
    print(f"{train.source}: {len(train.images)} images; device {device} ({hardware})", flush=True)

    results, rows, verdicts = [], [], []
    for name in names:
        config = DenoiserConfig.from_dict({**PRESETS[name], **overrides_parse(args.set)})
        pyramid = _pyramid(images_prepare(train.images, config.channels), config.scales, config.patch_size)
        autocast, channels_last = train_precision(config, device)
        flags = ", ".join(["bf16" if autocast else "fp32"] + (["channels_last"] if channels_last else []))
        for n_threads in threads:
            torch.set_num_threads(n_threads)
            pipelines = _pipelines(config, pyramid, device)
            for step, read in pipelines.values():  # cuDNN's choices, allocator pools, Adam's state
                for _ in range(30 if device.type == "cuda" else 3):
                    step()
                read()
            runs: dict[str, list[dict]] = {label: [] for label in pipelines}
            for _ in range(args.repeats):  # interleaved, so a busy spell on the machine hits all alike
                for label, (step, read) in pipelines.items():
                    r = _rate(step, seconds=args.seconds, warmup=0, chunk=args.chunk or config.log_every,
                              read=read, device=device)  # fmt: skip
                    if args.repeats <= 5:
                        print(json.dumps({"config": name, "threads": n_threads, "pipeline": label, **r}), flush=True)
                    runs[label].append(r)
            samplers = _samplers(config, pyramid, device, min(args.seconds, 3.0) or 1.0)
            # medians over the repeats: one slow spell (a neighbour's job) moves them little
            rate = {label: float(np.median([r["steps_per_s"] for r in rs])) for label, rs in runs.items()}
            cpu_ms = {label: 1000 * float(np.median([r["cpu_seconds"] / r["steps"] for r in rs]))
                      for label, rs in runs.items()}  # fmt: skip
            entry = {
                "config": name, "settings": config.to_dict(), "threads": n_threads, "precision": flags,
                "lr_used": config.lr_scaled()[0], "steps_per_s": rate,
                "patches_per_s": {label: v * config.batch_size for label, v in rate.items()},
                "sampler_patches_per_s": samplers,
                "new_of_ceiling": rate["new"] / rate["ceiling"], "new_vs_old": rate["new"] / rate["old"],
                "cpu_ms_per_step": cpu_ms, "new_vs_old_cpu_time": cpu_ms["old"] / cpu_ms["new"], "runs": runs,
            }  # fmt: skip
            results.append(entry)
            for label in pipelines:
                vs_ceiling = math.nan if label.startswith("ceiling") else rate[label] / rate[_ceiling_of(label, rate)]
                rows.append(
                    f"| {name} | {config.batch_size}×{config.patch_size}² | {n_threads} | {label} | "
                    f"{rate[label]:,.1f} | {rate[label] * config.batch_size:,.0f} | "
                    f"{_pct(vs_ceiling)} | {rate[label] / rate['old']:.2f}× | "
                    f"{cpu_ms[label]:,.1f} |"
                )
            verdicts.append(_verdict(name, n_threads, device, entry))
            shown = ("config", "threads", "steps_per_s", "cpu_ms_per_step", "new_of_ceiling", "new_vs_old",
                     "new_vs_old_cpu_time", "sampler_patches_per_s")  # fmt: skip
            print(json.dumps({k: entry[k] for k in shown}), flush=True)

    markdown = "\n".join(
        [
            f"## Denoiser training pace on {device.type.upper()} (`python -m benchmarks.denoise_pace --device "
            f"{device.type} --threads {args.threads} --seconds {args.seconds:g} --repeats {args.repeats}"
            f"{f' --chunk {args.chunk}' if args.chunk else ''}{''.join(f' --set {x}' for x in args.set)}`)",
            "",
            f"{hardware}; {'Train400' if not train.fallback else train.source} ({len(train.images)} images, "
            "rescaled ×{1, 0.9, 0.8, 0.7}). "
            f"Steps of the denoiser's training per second (median of {args.repeats} interleaved runs, each of "
            f"{_steps(args.chunk)} and at least {args.seconds:g} s): *old* = NumPy patches cut in a Python "
            "loop on the host, copied over, fp32, loss read every step; *new* = patches, dihedral transforms and "
            "noise drawn on the device, loss read every `log_every` steps, bf16 autocast + channels_last + fused "
            "Adam on CUDA; *ceiling* = the same step on a batch already on the device; on CUDA, *new fp32* and "
            "*ceiling fp32* are the same with amp and channels_last off; on a CPU with native bf16, *new bf16* and "
            "*ceiling bf16* the same with `amp=bf16 channels_last=on` (not the CPU default). *CPU ms/step*: this "
            "process's CPU time per step (steadier than wall time on a shared machine).",
            "",
            "| preset | batch | threads | pipeline | steps/s | patches/s | of ceiling | vs old | CPU ms/step |",
            "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            *verdicts,
            *_across_presets(results),
        ]
    )
    from benchmarks.report import section_write

    section_write(f"denoise_pace_{device.type}", markdown, {"device": str(device), "hardware": hardware,
                                                            "args": vars(args), "results": results})  # fmt: skip
    print(markdown)


def _steps(chunk: int) -> str:
    return "log_every steps" if not chunk else f"{chunk} step{'s' if chunk != 1 else ''}"


def _pct(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{100 * value:.0f} %"


def _across_presets(results: list[dict]) -> list[str]:
    """The GPU preset's new pipeline against the full preset's old one (today's run), in patches/s."""
    by_name = {r["config"]: r for r in results}
    if "full" not in by_name or "gpu" not in by_name:
        return []
    old, new = by_name["full"]["patches_per_s"]["old"], by_name["gpu"]["patches_per_s"]["new"]
    return [f"- `gpu` preset (new) against `full` preset (old, today's run): {new:,.0f} against {old:,.0f} "
            f"patches/s, {new / old:.1f}×."]  # fmt: skip


def _other_precision(config, device) -> list[tuple[str, object]]:
    """The precision the defaults do not pick on this device, as a (label suffix, config) variant: on CUDA
    fp32 (the defaults are bf16 there), on a CPU with native bf16 (AVX512-BF16 or AMX) bf16 autocast
    with channels_last (the defaults are fp32 there), so the table shows what each precision gives."""
    from apps.denoise.ml.train import cpu_bf16_native

    if device.type == "cuda":
        return [(" fp32", config.__class__.from_dict({**config.to_dict(), "amp": "off", "channels_last": "off"}))]
    if cpu_bf16_native():
        return [(" bf16", config.__class__.from_dict({**config.to_dict(), "amp": "bf16", "channels_last": "on"}))]
    return []


def _ceiling_of(label: str, rate: dict) -> str:
    """The ceiling a pipeline is read against: its own precision's (old ran in fp32)."""
    if label == "old":
        return "ceiling fp32" if "ceiling fp32" in rate else "ceiling"
    suffix = label.partition(" ")[2]
    return f"ceiling {suffix}" if suffix else "ceiling"


def _verdict(name: str, threads: int, device, entry: dict) -> str:
    of_ceiling, vs_old = entry["new_of_ceiling"], entry["new_vs_old"]
    samplers = entry["sampler_patches_per_s"]
    head = (
        f"- `{name}`, {threads} thread{'s' if threads != 1 else ''} (samplers alone: old {samplers['old']:,.0f}, "
        f"new {samplers['new']:,.0f} patches/s): new = {_pct(of_ceiling)} of the ceiling, "
    )
    if device.type == "cuda":
        ok = of_ceiling >= CUDA_TARGETS["of_ceiling"] and vs_old >= CUDA_TARGETS["vs_old"]
        return head + f"{vs_old:.1f}× old (target ≥ 70 % and ≥ 10×: {'met' if ok else 'not met'})."
    by_cpu = entry["new_vs_old_cpu_time"]
    # On a shared CPU wall-clock rates swing with the neighbours' load; CPU time per step is the steadier judge.
    ok = by_cpu >= 1.0 - CPU_NOISE
    return head + (
        f"{vs_old:.2f}× old by wall clock, {by_cpu:.2f}× by CPU time per step (target: not slower than old, "
        f"within {CPU_NOISE:.0%} measurement noise: {'met' if ok else 'not met'})."
    )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"done in {time.perf_counter() - started:.0f} s")
