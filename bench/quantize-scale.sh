#!/usr/bin/env bash
# Quantization at scale: `qllm quantize --layers N` on a TinyLlama-1.1B-shaped Hugging Face folder
# (bench/synthetic-llama.py writes one), for round-to-nearest, rotation + GPTQ and the default
# recipe. Each run quantizes the first N layers streamed from the bf16 safetensors and writes no
# artifact; the script prints a Markdown table of per-layer seconds and whole-process peak RSS,
# with stories15M round-to-nearest (whole model) first as the baseline of the same run, and a
# projection to the whole model and to a 7B shape.
#
#   /usr/bin/python3 bench/synthetic-llama.py --format hf --out /tmp/tl1b   # writes /tmp/tl1b/hf
#   MODEL=/tmp/tl1b/hf bash bench/quantize-scale.sh
#   MODEL=/tmp/tl1b/hf SAMPLES=4 EPOCHS=1 CONTEXT=512 bash bench/quantize-scale.sh   # quicker
#
# CONTEXT, when set, runs on a copy of the folder whose config.json says max_position_embeddings =
# CONTEXT (the weights are linked, not copied): calibration samples are one context long, so this
# shortens them. Say so with the numbers. The projection model: a layer's time is proportional to
# its weights (the sum of the dim x out products of its seven linears), so a 7B layer (dim 4096,
# hidden 11008, 32 heads, no grouped KV) costs WEIGHTS_7B / WEIGHTS_1B times a 1B layer, for the
# same samples; GPTQ's Cholesky grows with the cube of a linear's inputs, so the calibrated
# projections are a lower bound. Noisy machines: report the load (uptime) with the table.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:?set MODEL to a Hugging Face folder (bench/synthetic-llama.py --format hf)}
DATA=${DATA:-${QLLM_DATA_DIR:-.data}}
LAYERS=${LAYERS:-2}
SAMPLES=${SAMPLES:-128}
EPOCHS=${EPOCHS:-}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
if [ -z "${QLLM:-}" ]; then
  dotnet build src/Qllm.Tool -c Release -v quiet -nologo >/dev/null
  QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
fi
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
model=$MODEL
if [ -n "${CONTEXT:-}" ]; then
  model="$work/model-context-$CONTEXT"
  mkdir -p "$model"
  for file in "$MODEL"/*; do ln -sf "$(realpath "$file")" "$model/"; done
  rm "$model/config.json"
  jq ".max_position_embeddings = $CONTEXT" "$MODEL/config.json" >"$model/config.json"
fi
[ -e "$model/tokenizer.bin" ] || [ -e "$model/tokenizer.json" ] || [ -e "$model/tokenizer.model" ] || ln -sf "$(realpath "$DATA/tokenizer.bin")" "$model/tokenizer.bin"
weights_bytes=$(du -bL "$model"/*.safetensors | awk '{ s += $1 } END { printf "%d", s }')

# Weights of one decoder layer from a config.json: q, o (dim x dim), k, v (dim x kvDim), gate, up, down (dim x hidden).
layer_weights() { jq -r '(.hidden_size) as $d | (.intermediate_size) as $h | ($d / .num_attention_heads * (.num_key_value_heads // .num_attention_heads)) as $kv | 2*$d*$d + 2*$d*$kv + 3*$d*$h' "$1"; }
w1=$(layer_weights "$model/config.json")
w7=$((2 * 4096 * 4096 + 2 * 4096 * 4096 + 3 * 4096 * 11008))
n1=$(jq -r .num_hidden_layers "$model/config.json")
ctx=$(jq -r .max_position_embeddings "$model/config.json")

# One timed run: prints "seconds-per-layer peak-rss-GiB wall-s".
run() {
  local name=$1; shift
  /usr/bin/time -v $QLLM quantize "$@" --calibration "$DATA/calibration.txt" --json >"$work/$name.json" 2>"$work/$name.log"
  local rss wall per
  rss=$(awk '/Maximum resident set size/ { printf "%.2f", $6 / 1048576 }' "$work/$name.log")
  wall=$(jq -r '.seconds' "$work/$name.json")
  per=$(jq -r '([.blocks[].seconds] | add) / .layers' "$work/$name.json")
  echo "$per $rss $wall"
}

echo "Machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; $(date -u +%FT%TZ)"
echo "Model: $MODEL ($((weights_bytes / 1000000)) MB of safetensors, $n1 layers, $w1 weights per layer), calibration context $ctx, $SAMPLES samples, ${EPOCHS:-default} epochs, first $LAYERS layers"
echo
echo "| run | recipe | per layer s | peak RSS GiB | process wall s | whole model, projected s | 7B (32 layers), projected s |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
read -r per rss wall < <(run baseline "$DATA/stories15M.bin" --output "$work/baseline.qllm" --method rtn --rotation none --weight-rounding nearest)
printf '| baseline: stories15M, whole model | rtn, no rotation, nearest | %.2f | %s | %.1f | - | - |\n' "$per" "$rss" "$wall"
for recipe in "rtn:none:nearest" "rtn:hadamard:gptq" "default"; do
  IFS=: read -r method rotation rounding <<<"$recipe"
  args=(--method "$method" --rotation "$rotation" --weight-rounding "$rounding")
  [ "$recipe" = default ] && args=()
  read -r per rss wall < <(run "${recipe//:/-}" "$model" --output "$work/${recipe//:/-}.qllm" --layers "$LAYERS" --samples "$SAMPLES" ${EPOCHS:+--epochs "$EPOCHS"} "${args[@]}")
  whole=$(awk -v p="$per" -v n="$n1" 'BEGIN { printf "%.0f", p * n }')
  seven=$(awk -v p="$per" -v a="$w7" -v b="$w1" 'BEGIN { printf "%.0f", p * a / b * 32 }')
  printf '| %s layers | %s | %.2f | %s | %.1f | %s | %s |\n' "$LAYERS" "${recipe//:/, }" "$per" "$rss" "$wall" "$whole" "$seven"
done
echo
echo "Peak RSS limit for this model (bf16 file + 2 GiB): $(awk -v b="$weights_bytes" 'BEGIN { printf "%.2f", b / 1073741824 + 2 }') GiB. Logs and JSON: $work"
