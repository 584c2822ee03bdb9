#!/usr/bin/env bash
# Engine benchmark: full-precision stories15M on the evaluation text, through both input formats,
# plus greedy generation speed. Prints a Markdown table (paste it into docs/benchmarks.md with
# the machine and the command).
#
#   bash bench/engine.sh                      # CPU, builds the tool in Release
#   DEVICE=cuda QLLM="bash .device/run.sh qllm" DATA=.device/data bash bench/engine.sh   # on the GPU machine
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${DEVICE:-cpu}
DATA=${DATA:-.data}
if [ -z "${QLLM:-}" ]; then
  dotnet build src/Qllm.Tool -c Release -v quiet -nologo >/dev/null
  QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
  $QLLM setup --data-dir "$DATA" >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$QLLM convert "$DATA/stories15M.bin" --output "$work/hf" >/dev/null

field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
rate() { sed -n 's/.* (\([0-9.]*\) tokens\/s).*/\1/p; s/.*, \([0-9.]*\) tokens\/s,.*/\1/p' | head -1; }

echo "| model | format | device | windows | predicted tokens | perplexity | eval tokens/s | greedy decode tokens/s (256 tokens) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for input in "$DATA/stories15M.bin:llama2.c .bin" "$work/hf:Hugging Face folder (converted)"; do
  path=${input%%:*}; format=${input#*:}
  $QLLM eval "$path" --text "$DATA/evaluation.txt" --json --device "$DEVICE" >"$work/eval.json" 2>"$work/eval.err"
  $QLLM generate "$path" --max-tokens 256 --device "$DEVICE" >/dev/null 2>"$work/gen.err"
  printf '| stories15M fp32 | %s | %s | %s | %s | %.4f | %s | %s |\n' "$format" "$DEVICE" \
    "$(field windows <"$work/eval.json")" "$(field tokens <"$work/eval.json")" "$(field perplexity <"$work/eval.json")" \
    "$(rate <"$work/eval.err")" "$(rate <"$work/gen.err")"
done
