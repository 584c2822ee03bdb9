#!/usr/bin/env bash
# Cold start: fresh `qllm generate` processes, as a user runs the installed tool (`dotnet qllm.dll`),
# of a candidate build against a baseline build, interleaved (A B A B ...) so that the ratio of
# each pair holds on a machine whose speed drifts. Reports, per thread count, the median decode
# tokens/s that generate prints on stderr, the median whole-process wall time, and the median of
# the per-pair ratios.
#
#   bash bench/cold-start.sh BASELINE/qllm.dll CANDIDATE/qllm.dll ARTIFACT.qllm   # ROUNDS=10 TOKENS=256
#
# Build the two with `dotnet build src/Qllm.Tool -c Release` at each commit and copy the output
# folders (bin/Release/net10.0) aside.
set -euo pipefail
BASE=$1 CANDIDATE=$2 ARTIFACT=$3
ROUNDS=${ROUNDS:-10}
TOKENS=${TOKENS:-256}
OUT=$(mktemp)
for threads in 1 2; do
  for round in $(seq "$ROUNDS"); do
    for build in baseline candidate; do
      dll=$BASE; [ $build = candidate ] && dll=$CANDIDATE
      start=$(date +%s%N)
      line=$(dotnet "$dll" generate "$ARTIFACT" --max-tokens "$TOKENS" --threads $threads 2>&1 >/dev/null | tail -1)
      end=$(date +%s%N)
      # "decode: N tokens/s" (this build on), else the older single "N tokens/s".
      speed=$(echo "$line" | grep -oE 'decode: [0-9.]+' | cut -d' ' -f2 || true)
      [ -n "$speed" ] || speed=$(echo "$line" | grep -oE '[0-9.]+ tokens/s' | head -1 | cut -d' ' -f1)
      echo "$threads $round $build $speed $(( (end - start) / 1000000 ))" >>"$OUT"
    done
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    threads, round_, build, speed, wall = line.split()
    runs.setdefault((int(threads), round_), {})[build] = (float(speed), int(wall))
print("| threads | baseline decode tokens/s | candidate decode tokens/s | candidate/baseline (median of pairs) | baseline wall (ms) | candidate wall (ms) | wall ratio (median of pairs) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for threads in sorted({t for t, _ in runs}):
    pairs = [p for (t, _), p in runs.items() if t == threads and len(p) == 2]
    med = lambda xs: statistics.median(xs)
    print(f"| {threads} | {med([p['baseline'][0] for p in pairs]):.0f} | {med([p['candidate'][0] for p in pairs]):.0f} | "
          f"{med([p['candidate'][0] / p['baseline'][0] for p in pairs]):.2f}x | {med([p['baseline'][1] for p in pairs]):.0f} | "
          f"{med([p['candidate'][1] for p in pairs]):.0f} | {med([p['candidate'][1] / p['baseline'][1] for p in pairs]):.2f}x |")
PY
rm -f "$OUT"
