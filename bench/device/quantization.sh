#!/usr/bin/env bash
# bench/quantization.sh on the lent GPU machine, in LANES parallel lanes (default 4), writing each
# lane's table and logs to $OUT. The machine has no .NET and takes 64 MiB per command, so prepare
# .device/ here first (the float32 model is 58 MiB: it travels rounded to float16, which costs
# mean KL 4e-6 against the float32 model on the evaluation text; see docs/benchmarks.md):
#
#   bash ../shared/device/pack.sh src/Qllm.Tool
#   python3 bench/device/half-model.py pack "$DATA/stories15M.bin" .device/stories15M.f16 && xz -9f .device/stories15M.f16
#   cp "$DATA"/{tokenizer.bin,calibration.txt,evaluation.txt} .device/
#
# then run `bash bench/device/quantization.sh` there with carry [".device"] (CONFIGS, SAMPLES,
# EPOCHS, WINDOWS as for bench/quantization.sh). Lanes share the GPU and the CPUs: quantize times
# are upper bounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:?run on the device machine, where OUT is set}
data=/tmp/qllm-data
mkdir -p "$data"
xz -dc .device/stories15M.f16.xz > "$data/stories15M.f16"
python3 bench/device/half-model.py unpack "$data/stories15M.f16" "$data/stories15M.bin"
cp .device/tokenizer.bin .device/calibration.txt .device/evaluation.txt "$data/"
bash .device/run.sh qllm --help >/dev/null   # unpacks .NET once, before the lanes race for it
lanes=${LANES:-4}
for lane in $(seq 0 $((lanes - 1))); do
  LANES=$lanes LANE=$lane DEVICE=cuda QLLM="bash .device/run.sh qllm" DATA="$data" WORK="/tmp/qllm-work-$lane" \
    bash bench/quantization.sh > "$out/lane-$lane.md" 2> "$out/lane-$lane.err" &
done
trap 'mkdir -p "$out/logs"; cp /tmp/qllm-work-*/*.log "$out/logs/" 2>/dev/null || true' EXIT
wait
