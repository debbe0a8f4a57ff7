"""Run every benchmark in turn (`make benchmarks`); each writes its JSON and docs/benchmarks.md section.

    python -m benchmarks.run_all [--only NAME ...] [--quick]

The defaults of each script are full runs (hours on a 2-core CPU for the gallery's likelihoods);
--quick passes the reduced budgets used for the figures in docs/benchmarks.md on such a machine.
A failing benchmark is reported and the others still run; the exit status says whether all passed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

SHIPPED = ["--checkpoint", "apps/denoise/weights/denoiser.pt"]  # the denoiser `seed_demo` registers
# (module, arguments always given, arguments of a reduced run on a shared 2-core CPU)
BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    ("recommender_quality", [], []),
    ("recommender_speed", [], []),
    ("recommender_serving", [], []),
    ("recommender_scale", [], []),
    ("recommender_shallow", ["--part", "strong"], []),
    ("recommender_shallow", ["--part", "recbole"], []),
    ("recommender_loading", ["--dataset", "ml-1m"], []),
    ("recommender_similar", ["--datasets", "ml-100k", "ml-1m"], []),
    ("gallery_speed", [], []),
    ("gallery_e2e", [], []),
    ("gallery_mnist", [], ["--budget-seconds", "600", "--test-count", "1000"]),
    ("gallery_fashion", [], ["--budget-seconds", "600", "--test-count", "1000", "--fd-count", "5000"]),
    ("denoise_set12", SHIPPED, []),
    ("denoise_colour", SHIPPED, []),
    ("denoise_large", SHIPPED, []),
    ("denoise_service", ["--weights", "apps/denoise/weights"], []),
    ("denoise_pace", [], ["--threads", "1", "--seconds", "0", "--repeats", "40", "--chunk", "1"]),
    ("platform_isolation", [], []),
    # The representations' --quick figures were measured with one torch thread on a 2-core CPU shared with test runs
    # (two threads were 2.5-4.5x slower there); the VAE's loop checks its budget once an epoch, hence its subsets.
    ("representations_maps", [], ["--budget", "45", "--vae-train-count", "15000", "--repeat-epochs", "2",
                                  "--repeat-count", "5000", "--threads", "1"]),
    ("representations_features", [], ["--budget", "45", "--vae-train-count", "15000", "--selftaught-budget", "60",
                                      "--patch-budget", "20", "--threads", "1"]),
    ("representations_gan", [], ["--budget", "120", "--train-count", "20000", "--classifier-epochs", "2",
                                 "--classifier-seconds", "30", "--threads", "1"]),
    # The anomaly figures in docs/benchmarks.md: one torch thread on a shared 2-core CPU, the budgets of the issue.
    ("anomaly_tables", [], ["--threads", "1"]),
    ("anomaly_series", [], ["--threads", "1"]),
    ("anomaly_images", [], ["--dataset", "both", "--budget", "60", "--models", "conv", "--threads", "1"]),
    # Inpainting: the shipped weights against OpenCV, scikit-image and PCA-64 on the same images and masks.
    ("inpaint_items", [], ["--threads", "1"]),
    ("inpaint_photos", [], ["--threads", "2"]),
    # Segmentation: U-Net and SegNet against a constant, Otsu and a random forest on ISBI EM and Fashionopolis scenes.
    ("segment_em", [], ["--threads", "2", "--seconds", "600", "--models", "unet,segnet"]),
    ("segment_scenes", [], ["--threads", "2", "--epochs", "40"]),
    # A new user's first run: `make run` in a fresh var folder until every demo answers (last: it starts the workers).
    ("first_run", [], []),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=None, help="benchmark module names to run")
    parser.add_argument("--quick", action="store_true", help="the reduced budgets (see BENCHMARKS)")
    args = parser.parse_args()
    failed = []
    for name, always, quick_args in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        command = [sys.executable, "-m", f"benchmarks.{name}", *always, *(quick_args if args.quick else [])]
        print(f"== {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.call(command)
        print(f"== {name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
