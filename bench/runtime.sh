#!/usr/bin/env bash
# Runtime benchmark: stories15M through Qllm.Runtime as FP32 (the runtime's own float path, the
# baseline), W4A4 and W4A16 artifacts, with 1 and 2 threads, and llama.cpp (Q4_0 and F32, 1 thread)
# on the same machine in the same run. Greedy generation from BOS + "Once upon a time", 256 steps
# (run.c's meaning). Each measurement is its own process (resident memory is the model's alone);
# the configurations are interleaved over ROUNDS rounds and the median is reported.
# Prints a Markdown table for docs/benchmarks.md.
#
#   bash bench/runtime.sh              # ROUNDS=3 STEPS=256 SAMPLES=32 EPOCHS=2 by default
#
# llama.cpp needs node-llama-cpp in .bench/llamacpp and numpy (apt-get install -y python3-numpy);
# see ../shared/bench/llamacpp/README.md. Without them its rows are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-256}
SAMPLES=${SAMPLES:-32}
EPOCHS=${EPOCHS:-2}
DATA=${DATA:-.data}
OUT=.bench/runtime
mkdir -p "$OUT" .bench/artifacts

dotnet build src/Qllm.Tool -c Release -v quiet -nologo >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
dotnet build bench/Qllm.Runtime.Benchmarks -c Release -v quiet -nologo >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
BENCH="dotnet bench/Qllm.Runtime.Benchmarks/bin/Release/net10.0/Qllm.Runtime.Benchmarks.dll"
$QLLM setup --data-dir "$DATA" >/dev/null

# The artifacts: speed does not depend on how long calibration ran, so reduced settings do.
for preset in W4A4 W4A16; do
  artifact=.bench/artifacts/stories15M-$preset-s$SAMPLES-e$EPOCHS.qllm
  [ -f "$artifact" ] || $QLLM quantize "$DATA/stories15M.bin" --calibration "$DATA/calibration.txt" --output "$artifact" \
    --preset $preset --samples "$SAMPLES" --epochs "$EPOCHS" >/dev/null
done

llama=""
if [ -d ../shared/bench/llamacpp ] && [ -d .bench/llamacpp/node_modules/node-llama-cpp ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  [ -f .bench/llamacpp/stories15M-q4_0.gguf ] || /usr/bin/python3 ../shared/bench/llamacpp/write_gguf.py "$DATA/stories15M.bin" "$DATA/tokenizer.bin" .bench/llamacpp/stories15M >/dev/null
  llama=yes
fi

: >"$OUT/results.jsonl"
for round in $(seq "$ROUNDS"); do
  for threads in 1 2; do
    for model in "$DATA/stories15M.bin" .bench/artifacts/stories15M-W4A4-s$SAMPLES-e$EPOCHS.qllm .bench/artifacts/stories15M-W4A16-s$SAMPLES-e$EPOCHS.qllm; do
      $BENCH "$model" --threads $threads --steps "$STEPS" | sed "s/^{/{\"engine\":\"Qllm.Runtime\",\"round\":$round,/" >>"$OUT/results.jsonl"
    done
  done
  if [ -n "$llama" ]; then
    for quant in q4_0 f32; do
      LLAMACPP_MODULES=$PWD/.bench/llamacpp/node_modules node ../shared/bench/llamacpp/bench.mjs .bench/llamacpp/stories15M-$quant.gguf --threads 1 --steps "$STEPS" 2>/dev/null \
        | sed "s/^{/{\"engine\":\"llama.cpp $quant\",\"round\":$round,/" >>"$OUT/results.jsonl"
    done
  fi
done

/usr/bin/python3 - "$OUT/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def name(r):
    if r["engine"] != "Qllm.Runtime":
        return r["engine"]
    return "FP32 (runtime float path)" if r["weightBits"] == 32 else f"W{r['weightBits']}A{r['activationBits']}"
groups = {}
for r in rows:
    groups.setdefault((name(r), r.get("threads", 1)), []).append(r)
def median(rs, key):
    values = [r[key] for r in rs if key in r]
    return statistics.median(values) if values else None
base = {t: median(groups[("FP32 (runtime float path)", t)], "decodeTokensPerSecond") for t in (1, 2) if ("FP32 (runtime float path)", t) in groups}
print("| model | threads | decode tokens/s | vs FP32 runtime, same threads | time to first token (ms) | prefill tokens/s (256-token window, all logits) | peak resident memory (MB) | model bytes in memory (MB) | decode time: linears / inputs / attention / classifier / other |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for (model, threads), rs in groups.items():
    if rs[0]["engine"] == "Qllm.Runtime":
        speed = median(rs, "decodeTokensPerSecond")
        shares = rs[len(rs) // 2]["timeShares"]
        split = " / ".join(f"{shares[k]:.0%}" for k in ("LayerProducts", "PrepareInputs", "Attention", "Classifier", "Other"))
        print(f"| {model} | {threads} | {speed:.1f} | {speed / base[threads]:.2f}x | {median(rs, 'ttftSeconds') * 1000:.1f} | {median(rs, 'prefillTokensPerSecond'):.0f} | {median(rs, 'peakResidentBytes') / 1e6:.0f} | {median(rs, 'modelBytes') / 1e6:.1f} | {split} |")
    else:
        speed = median(rs, "genTokPerS")
        print(f"| {model} (node-llama-cpp) | {threads} | {speed:.1f} | {speed / base[1]:.2f}x | {median(rs, 'ttftS') * 1000:.1f} | | {median(rs, 'peakRssMiB') * 1.048576:.0f} | | |")
print()
for (model, threads), rs in groups.items():
    if threads == 1 and rs[0]["engine"] == "Qllm.Runtime":
        print(f"- {model}: {rs[0]['text']!r}")
PY
