#!/usr/bin/env bash
# Build-integration benchmark: samples/AppWithModel (one QuantizedModel item, stories15M, embedded)
# against its twin without the model: the same .csproj with the QuantizedModel item removed and a
# Program.cs that does not use the loader (same references, same imports). Measured in one run,
# interleaved over ROUNDS rounds, medians reported:
#   - no-op build: nothing changed since the last build (the goal: under 1.10x the twin's);
#   - cache-hit build: the artifact under obj/ is gone but the local store has it (a fresh clone or
#     a new branch on a machine that built the model before), against the twin with a forced compile;
#   - the cold build that quantized (once, with an empty store);
#   - with redis-server installed: a build that gets the artifact from the shared cache (Redis on
#     loopback, published by a readwrite build) with an empty local store, against the cold build.
# Builds run as a developer runs them: `dotnet build -c Release`, node reuse and build servers on.
#
#   bash bench/build.sh                      # ROUNDS=5, the default recipe (what the sample builds)
#   SAMPLES=2 EPOCHS=1 bash bench/build.sh   # a quicker cold build
#
# Quantization settings only change how long the cold build takes. Prints a Markdown table for
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
# Unset: the tool's own (128 samples, the preset's epochs).
[ -n "${SAMPLES:-}" ] && export QllmSamples=$SAMPLES
[ -n "${EPOCHS:-}" ] && export QllmEpochs=$EPOCHS
export QLLM_DATA_DIR=${DATA:-$PWD/.data}
OUT=$PWD/.bench/build
export QLLM_CACHE_DIR=$OUT/cache
WITH=samples/AppWithModel
TWIN=samples/.bench/AppWithoutModel
rm -rf "$OUT" samples/.bench "$WITH/bin" "$WITH/obj"
mkdir -p "$OUT" "$TWIN"

dotnet run --project src/Qllm.Tool -c Release -- setup --data-dir "$QLLM_DATA_DIR" >/dev/null
sed -e '/<QuantizedModel /d' -e '/stories15M, quantized at build time/d' -e 's|"\.\./\.\./src/|"../../../src/|g' \
  "$WITH/AppWithModel.csproj" >"$TWIN/AppWithoutModel.csproj"
cat >"$TWIN/Program.cs" <<'CS'
using Qllm.Runtime;

// The same imports as the sample; no loader, so the build has no model to look at.
var prompt = args.Length > 0 ? string.Join(' ', args) : "Once upon a time";
Console.WriteLine($"{prompt} ({nameof(QuantizedLanguageModel)})");
CS

now() { date +%s.%N; }
build() { # build PROJECT LOG -> prints seconds
  local start end
  start=$(now)
  dotnet build "$1" -c Release -nologo -v:n >"$2" 2>&1 || { cat "$2" >&2; exit 1; }
  end=$(now)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cold=$(build "$WITH" "$OUT/cold.log")
grep -q "Qllm: quantizing" "$OUT/cold.log" || { echo "the cold build did not quantize" >&2; exit 1; }
build "$TWIN" "$OUT/twin-first.log" >/dev/null

: >"$OUT/noop-with" ; : >"$OUT/noop-twin"; : >"$OUT/hit-with"; : >"$OUT/compile-twin"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order="with twin"; else order="twin with"; fi
  for which in $order; do
    if [ "$which" = with ]; then
      build "$WITH" "$OUT/noop-with.log" >>"$OUT/noop-with"
      if grep -qE "Qllm: quantizing|came from the cache|qllm.dll\"? quantize" "$OUT/noop-with.log"; then echo "a no-op build touched the model" >&2; exit 1; fi
    else
      build "$TWIN" "$OUT/noop-twin.log" >>"$OUT/noop-twin"
    fi
  done
  for which in $order; do
    if [ "$which" = with ]; then
      rm -rf "$WITH/obj/Release/net10.0/qllm"
      build "$WITH" "$OUT/hit-with.log" >>"$OUT/hit-with"
      grep -q "came from the cache" "$OUT/hit-with.log" || { echo "the cache-hit build did not hit" >&2; exit 1; }
    else
      touch "$TWIN/Program.cs"
      build "$TWIN" "$OUT/compile-twin.log" >>"$OUT/compile-twin"
    fi
  done
done

# The shared tier: a redis-server on loopback; a "CI machine" publishes, a "developer machine"
# (empty local store, no artifact under obj/) gets a remote hit. Against the cold local quantization above.
remote_hit=""
if command -v redis-server >/dev/null; then
  port=$(( 20000 + RANDOM % 20000 ))
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
  redis=$!
  trap 'kill $redis 2>/dev/null || true' EXIT
  sleep 1
  # The CI machine has its own empty local store: it quantizes, then publishes.
  rm -rf "$WITH/obj/Release/net10.0/qllm"
  QLLM_CACHE_DIR=$OUT/ci-cache QllmRemoteCache=127.0.0.1:$port QllmRemoteCacheMode=readwrite build "$WITH" "$OUT/publish.log" >/dev/null
  grep -q "published" "$OUT/publish.log" || { echo "the readwrite build did not publish" >&2; exit 1; }
  : >"$OUT/remote-hit"
  for round in $(seq "$ROUNDS"); do
    rm -rf "$WITH/obj/Release/net10.0/qllm" "$OUT/developer-cache"
    QLLM_CACHE_DIR=$OUT/developer-cache QllmRemoteCache=127.0.0.1:$port build "$WITH" "$OUT/remote-hit.log" >>"$OUT/remote-hit"
    grep -q "came from the shared cache" "$OUT/remote-hit.log" || { echo "the developer build did not hit the shared cache" >&2; exit 1; }
  done
  remote_hit=$(median <"$OUT/remote-hit")
  kill $redis
fi

noop_with=$(median <"$OUT/noop-with"); noop_twin=$(median <"$OUT/noop-twin")
hit_with=$(median <"$OUT/hit-with"); compile_twin=$(median <"$OUT/compile-twin")
artifact=$(stat -c %s "$WITH"/obj/Release/net10.0/qllm/*.qllm)
printf '| build | with the model (s) | twin without it (s) | ratio |\n| --- | --- | --- | --- |\n'
printf '| no-op (nothing changed), median of %d | %.2f | %.2f | %.3fx |\n' "$ROUNDS" "$noop_with" "$noop_twin" "$(awk -v a="$noop_with" -v b="$noop_twin" 'BEGIN { print a / b }')"
printf '| cache hit (obj/ artifact gone, store has it; twin: Program.cs touched), median of %d | %.2f | %.2f | %.3fx |\n' "$ROUNDS" "$hit_with" "$compile_twin" "$(awk -v a="$hit_with" -v b="$compile_twin" 'BEGIN { print a / b }')"
printf '| cold: quantize (W4A4 default recipe, %s samples, %s epochs) and build, once | %.1f | | |\n' "${QllmSamples:-128}" "${QllmEpochs:-per preset}" "$cold"
if [ -n "$remote_hit" ]; then
  printf '| shared-cache hit (Redis on loopback; empty local store), median of %d, vs the cold local quantization | %.2f | | %.3fx of the cold build |\n' "$ROUNDS" "$remote_hit" "$(awk -v a="$remote_hit" -v b="$cold" 'BEGIN { print a / b }')"
fi
printf '\nArtifact: %d bytes, embedded. Machine: %s, %s cores.\n' "$artifact" "$(lscpu | sed -n 's/^Model name: *//p')" "$(nproc)"
