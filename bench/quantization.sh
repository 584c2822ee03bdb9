#!/usr/bin/env bash
# Quantization benchmark: stories15M quantized with each configuration PRESET:METHOD[:ROTATION:ROUNDING]
# (rotation none|hadamard, rounding nearest|gptq; default none:nearest; METHOD "default": the
# preset's own recipe, see README), each artifact evaluated
# against the fp32 model on the evaluation text. Prints a Markdown table (paste it into
# docs/benchmarks.md with the machine and the command). The default CONFIGS are every method at
# W4A4, W4A8, W6A6 with and without rotation and GPTQ, as docs/benchmarks.md reports them.
#
#   bash bench/quantization.sh                                # the reference's settings (slow on a CPU)
#   SAMPLES=32 EPOCHS=2 WINDOWS=100 bash bench/quantization.sh # quicker, smaller settings
# EPOCHS unset: each recipe's own (the W4A4 default's 5, a named method's 10).
#   LANES=4 LANE=0 ... bash bench/quantization.sh                 # every 4th configuration from the first
#   bash bench/device/quantization.sh                           # on the lent GPU machine (see its header)
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${DEVICE:-cpu}
DATA=${DATA:-.data}
SAMPLES=${SAMPLES:-128}
EPOCHS=${EPOCHS:-}
WINDOWS=${WINDOWS:-100}
if [ -z "${CONFIGS:-}" ]; then
  CONFIGS=""
  baselines="rtn:none:nearest rtn:none:gptq rtn:hadamard:nearest rtn:hadamard:gptq qllm:none:nearest qllm:hadamard:gptq"
  for combo in $baselines qllm:none:gptq qllm:hadamard:nearest lowrank-only:hadamard:gptq reassembly-only:hadamard:gptq default; do
    CONFIGS="$CONFIGS W4A4:$combo"
  done
  for preset in W4A8 W6A6; do
    for combo in $baselines lowrank-only:hadamard:gptq default; do CONFIGS="$CONFIGS $preset:$combo"; done
  done
fi
if [ -n "${LANES:-}" ]; then
  CONFIGS=$(tr ' ' '\n' <<<"$CONFIGS" | grep . | awk -v n="$LANES" -v k="${LANE:-0}" '(NR - 1) % n == k' | tr '\n' ' ')
fi
if [ -z "${QLLM:-}" ]; then
  dotnet build src/Qllm.Tool -c Release -v quiet -nologo >/dev/null
  QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
  $QLLM setup --data-dir "$DATA" >/dev/null 2>&1
fi
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | tr -d '"'; }
params=$(python3 -c 'print(288*32000 + 6*(4*288*288 + 3*288*768 + 2*288) + 288)' 2>/dev/null || echo 15191712)

echo "| preset | method | rotation | rounding | perplexity | mean KL vs fp32 | top-1 agreement | artifact bytes | bits/weight | quantize s | peak memory MB |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
if [ "${LANE:-0}" = 0 ]; then
  fp=$($QLLM eval "$DATA/stories15M.bin" --text "$DATA/evaluation.txt" --max-windows "$WINDOWS" --json --device "$DEVICE" 2>/dev/null)
  printf '| fp32 | - | - | - | %.3f | 0 | 100%% | %s | 32 | - | - |\n' "$(field perplexity <<<"$fp")" "$(stat -c %s "$DATA/stories15M.bin")"
fi
for config in $CONFIGS; do
  IFS=: read -r preset method rotation rounding <<<"$config"
  rotation=${rotation:-none}; rounding=${rounding:-nearest}
  [ "$method" = default ] && rotation=preset && rounding=preset
  name="$preset-$method-$rotation-$rounding"
  out="$work/$name.qllm"
  # METHOD "default" names nothing, so the preset's recipe (method, rotation, rounding, rank, lr) runs.
  recipe=(--method "$method" --rotation "$rotation" --weight-rounding "$rounding")
  [ "$method" = default ] && recipe=()
  q=$($QLLM quantize "$DATA/stories15M.bin" --calibration "$DATA/calibration.txt" --output "$out" --preset "$preset" "${recipe[@]}" \
        --samples "$SAMPLES" ${EPOCHS:+--epochs "$EPOCHS"} --device "$DEVICE" --json 2>"$work/$name.log" | tail -1)
  e=$($QLLM eval "$out" --reference "$DATA/stories15M.bin" --text "$DATA/evaluation.txt" --max-windows "$WINDOWS" --json --device "$DEVICE" 2>/dev/null)
  bytes=$(field bytes <<<"$q")
  printf '| %s | %s | %s | %s | %.3f | %.4f | %.2f%% | %s | %.2f | %.0f | %.0f |\n' "$preset" "$method" "$rotation" "$rounding" \
    "$(field perplexity <<<"$e")" "$(field meanKl <<<"$e")" "$(awk -v t="$(field top1Agreement <<<"$e")" 'BEGIN{print t*100}')" \
    "$bytes" "$(awk -v b="$bytes" -v p="$params" 'BEGIN{print b*8/p}')" "$(field seconds <<<"$q")" \
    "$(awk -v m="$(field peakMemoryBytes <<<"$q")" 'BEGIN{print m/1048576}')"
done
echo
echo "settings: samples=$SAMPLES epochs=${EPOCHS:-per recipe} (QLLM and lowrank-only), eval windows=$WINDOWS of 255 tokens, device=$DEVICE"
