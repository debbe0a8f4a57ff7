#!/usr/bin/env bash
# Issue 13's GPU parts as one prepared run for a lent GPU machine (the workplace's `device` tool).
#
#   here, once:  bash benchmarks/gpu_session.sh prepare        # data sets → var/gpu_data (ignored by git)
#   there:       run(command="bash benchmarks/gpu_session.sh run", carry=["var/gpu_data"], timeout_s=560)
#
# The machine has torch, numpy, Pillow and scikit-image but no Django: only the pure ml/ packages and
# benchmarks/ run there. Parts (PARTS, default "pace denoise"; add "vae" for the MNIST VAE), each with
# its own budget so the whole run ends inside one call:
#   pace     the pace tests, then benchmarks.denoise_pace on cuda (steps/s against the step's ceiling)
#   denoise  benchmarks.denoise_train --preset gpu for DENOISE_SECONDS (default 210), checked on Set12
#            (plain and self-ensemble); DENOISE_ARGS adds arguments (default "--set loss_weight=sigma":
#            every noise level counts alike in PSNR; "--init apps/denoise/weights/denoiser.pt" continues
#            the shipped model instead of training the larger one)
#   vae      benchmarks.gallery_mnist on cuda, VAE_SECONDS (default 120) per model, K=1000 on all 10,000;
#            VAE_ARGS (default: continue the shipped conv VAE on the IWAE bound, K=50, lr 3e-4 → 1e-5 over
#            at most 30 epochs, the cosine being per epoch;
#            the stretch target is IWAE k=50's 84.78 nats) -- "" trains both models from scratch
# What comes back under $OUT: session.log, results.tgz (docs/benchmarks.md and benchmarks/results/
# as they ended there) and the checkpoints. Back here:
#   manage.py denoise_export_weights --checkpoint <files_at>/denoiser_gpu.pt     # ships it with its card
#   manage.py gallery_export_weights --checkpoint <files_at>/mnist-conv.pt       # the same for the VAE
# then copy the sections of docs/benchmarks.md and the results/*.json that the run rewrote.
set -u
cd "$(dirname "$0")/.."

if [ "${1:-}" = prepare ]; then
    src="${AEWEB_DATA_DIR:-../shared/data}"
    mkdir -p var/gpu_data
    for name in Train400 Set12 mnist; do cp -r "$src/$name" var/gpu_data/; done
    du -sh var/gpu_data
    exit 0
fi
[ "${1:-}" = run ] || { echo "usage: $0 prepare|run" >&2; exit 2; }

export AEWEB_DATA_DIR="$PWD/var/gpu_data" PYTHONUNBUFFERED=1
OUT="${OUT:-$PWD/var/gpu_out}"
mkdir -p "$OUT"
PARTS="${PARTS:-pace denoise}"
log="$OUT/session.log"

collect() {  # after every part, so a run stopped at its limit still brings back what it finished
    tar czf "$OUT/results.tgz" docs/benchmarks.md benchmarks/results 2>/dev/null
}

{
    date -u
    nvidia-smi -L
    python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
} >"$log" 2>&1

for part in $PARTS; do
    echo "=== $part $(date -u +%T)" >>"$log"
    case "$part" in
        pace)
            python3 -m pytest -c /dev/null --noconftest --rootdir . -p no:cacheprovider -q \
                tests/unit/denoise/test_denoise_patches.py tests/unit/denoise/test_denoise_train_pace.py >>"$log" 2>&1
            python3 -m benchmarks.denoise_pace --device cuda --seconds 4 --repeats 3 >>"$log" 2>&1
            ;;
        denoise)
            python3 -m benchmarks.denoise_train --preset gpu --device cuda \
                --train-seconds "${DENOISE_SECONDS:-210}" --out "$OUT/denoiser_gpu.pt" \
                ${DENOISE_ARGS:---set loss_weight=sigma} >>"$log" 2>&1
            ;;
        vae)
            python3 -m benchmarks.gallery_mnist --device cuda --budget-seconds "${VAE_SECONDS:-120}" \
                --iwae-k 1000 --test-count 10000 \
                ${VAE_ARGS---init apps/gallery/weights/mnist-conv.pt --train-k 50 --lr 3e-4 --lr-min 1e-5 --epochs 30} >>"$log" 2>&1
            cp var/gallery/mnist-*.pt "$OUT/" 2>/dev/null
            ;;
        *) echo "unknown part: $part" >>"$log" ;;
    esac
    echo "=== $part done $(date -u +%T), exit $?" >>"$log"
    collect
done
tail -40 "$log"
