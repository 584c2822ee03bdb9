#!/usr/bin/env bash
# Runtime benchmark at a billion parameters (issue 18 items 4 and 5, issue 17 item 6): a
# TinyLlama-1.1B-shaped llama2.c checkpoint with seeded random weights (bench/synthetic-llama.py),
# its Q4_0 GGUF (../shared/bench/llamacpp/write_gguf.py's quantizers, bench/write-q4_0-gguf.py) and a Qllm W4A4 artifact of the same
# weights, then, interleaved over ROUNDS rounds, each measurement its own process:
#   - decode tokens/s at 1 and 2 threads, time to first token and peak RSS for Qllm.Runtime
#     (bench/Qllm.Runtime.Benchmarks, after warm-up), llama.cpp Q4_0 (node-llama-cpp 3.21.1) and
#     LLamaSharp 0.30.0 Q4_0;
#   - the artifact's load time, first open (SHA-256 read, fresh verification memo) and second
#     open (memo remembers it), each with its time to first token;
#   - the machine's streaming read bandwidth (1 GiB, 1 and 2 threads), the bytes a decode step
#     reads, and the share of the bandwidth decode uses.
# Prints a Markdown table for docs/benchmarks.md.
#
#   bash bench/billion.sh                  # ROUNDS=3 STEPS=128 by default
#   ROUNDS=1 STEPS=64 bash bench/billion.sh
#   SHAPE="--dim 256 --layers 2 --heads 8 --kv-heads 4 --hidden 512" OUT=.bench/billion-small bash bench/billion.sh
#                                          # another shape (synthetic-llama.py's options), to try the script
#
# The W4A4 artifact is round-to-nearest with Hadamard rotation (--method rtn --weight-rounding
# nearest): decode speed does not depend on calibration, and this recipe reads no calibration
# text. Its peak RSS and time are printed. Generated files (about 6 GB) stay in .bench/billion.
# llama.cpp needs node-llama-cpp in .bench/llamacpp and LLamaSharp a build in $LLAMASHARP (see
# ../shared/bench/llamacpp/README.md and ../shared/bench/llamasharp/README.md); without them
# their rows are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-128}
DATA=${DATA:-${QLLM_DATA_DIR:-.data}}
LLAMASHARP=${LLAMASHARP:-/tmp/llamasharp/out/LlamaSharpAnchor.dll}
# A cap on each measurement process: llama.cpp with 2 threads through node-llama-cpp can collapse to
# a few percent of its 1-thread speed on a 2-vCPU machine (../shared/bench/llamacpp/README.md).
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
SHAPE=${SHAPE:-}
OUT=${OUT:-.bench/billion}
MODEL=$OUT/tinyllama-shape
ARTIFACT=$OUT/artifacts/tinyllama-shape-W4A4-rtn.qllm
GGUF=$OUT/gguf/tinyllama-shape-q4_0.gguf
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT/artifacts" "$OUT/gguf" "$OUT/runs"

dotnet build src/Qllm.Tool -c Release -v quiet -nologo >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
dotnet build bench/Qllm.Runtime.Benchmarks -c Release -v quiet -nologo >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
BENCH="dotnet bench/Qllm.Runtime.Benchmarks/bin/Release/net10.0/Qllm.Runtime.Benchmarks.dll"

# The checkpoint (4.4 GB of fp32) and its tokenizer, which the harness and quantize find beside it.
if [ ! -f "$MODEL/model.bin" ]; then
  echo "writing the checkpoint ..." >&2
  # shellcheck disable=SC2086 # SHAPE is a list of options
  /usr/bin/python3 bench/synthetic-llama.py --format llama2c $SHAPE --out "$MODEL" >"$OUT/synthetic.log"
fi
cp "$DATA/tokenizer.bin" "$MODEL/tokenizer.bin"

# The Qllm artifact; /usr/bin/time -v records its peak RSS.
if [ ! -f "$ARTIFACT" ]; then
  echo "quantizing (W4A4, round-to-nearest + Hadamard) ..." >&2
  /usr/bin/time -v -o "$OUT/quantize.time" $QLLM quantize "$MODEL/model.bin" --calibration "$DATA/calibration.txt" --output "$ARTIFACT" \
    --preset W4A4 --method rtn --weight-rounding nearest --rotation hadamard --samples 1 --json >"$OUT/quantize.log" 2>&1 \
    || { tail -20 "$OUT/quantize.log"; exit 1; }
fi

# The Q4_0 GGUF, with write_gguf.py's quantizers (write-q4_0-gguf.py says why not its CLI).
llama=""
if [ -d .bench/llamacpp/node_modules/node-llama-cpp ] || [ -f "$LLAMASHARP" ]; then
  if [ ! -f "$GGUF" ]; then
    echo "writing the Q4_0 GGUF ..." >&2
    /usr/bin/time -v -o "$OUT/gguf.time" /usr/bin/python3 bench/write-q4_0-gguf.py "$MODEL/model.bin" "$MODEL/tokenizer.bin" "$OUT/gguf/tinyllama-shape" ../shared/bench/llamacpp >"$OUT/gguf.log"
  fi
  llama=yes
fi

# Bytes a decode step reads: every weight but the embedding table (one row of it). The KV cache
# (a few MB at these lengths) and activations are left out.
$QLLM inspect "$ARTIFACT" --json >"$OUT/inspect.json"
read -r artifactBytes artifactStepBytes < <(/usr/bin/python3 - "$OUT/inspect.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
skip = sum(t["bytes"] for t in r["tensors"] if t["kind"] in ("embedding codes", "tokenizer"))
print(r["bytes"], r["bytes"] - skip)
PY
)
ggufBytes=0; ggufStepBytes=0
if [ -f "$GGUF" ]; then
  ggufBytes=$(stat -c %s "$GGUF")
  # token_embd is Q4_0: 18 bytes per 32 weights; dim and vocab from the checkpoint's header.
  embeddingQ4Bytes=$(/usr/bin/python3 -c 'import struct, sys; h = struct.unpack("<7i", open(sys.argv[1], "rb").read(28)); print(abs(h[5]) * h[0] // 32 * 18)' "$MODEL/model.bin")
  ggufStepBytes=$((ggufBytes - embeddingQ4Bytes))
fi

: >"$OUT/results.jsonl"
# measure ENGINE THREADS ROUND COMMAND...: the command's JSON line tagged with engine, threads and
# round, or a timedOut line when it ran past RUN_TIMEOUT.
measure() {
  local engine=$1 threads=$2 round=$3 line
  shift 3
  if line=$(timeout "$RUN_TIMEOUT" "$@" 2>/dev/null | grep '^{'); then
    echo "$line" | sed "s/^{/{\"engine\":\"$engine\",\"threads\":$threads,\"round\":$round,/" >>"$OUT/results.jsonl"
  else
    echo "{\"engine\":\"$engine\",\"threads\":$threads,\"round\":$round,\"timedOut\":$RUN_TIMEOUT}" >>"$OUT/results.jsonl"
  fi
}
for threads in 1 2; do
  $BENCH bandwidth --threads $threads | sed "s/^{/{\"engine\":\"bandwidth\",/" >>"$OUT/results.jsonl"
done

for round in $(seq "$ROUNDS"); do
  # Load: a fresh verification memo (the whole file's SHA-256 is read), then the same memo again.
  memo=$OUT/runs/memo-$round
  rm -rf "$memo"
  for open in first second; do
    QLLM_CACHE_DIR=$memo $BENCH "$ARTIFACT" --threads 1 --steps 8 --warmups 0 \
      | sed "s/^{/{\"engine\":\"load\",\"open\":\"$open\",\"round\":$round,/" >>"$OUT/results.jsonl"
  done
  for threads in 1 2; do
    measure "Qllm.Runtime W4A4" $threads $round env QLLM_CACHE_DIR=$OUT/runs/memo $BENCH "$ARTIFACT" --threads $threads --steps "$STEPS" --warmups 1
    if [ -n "$llama" ] && [ -d .bench/llamacpp/node_modules/node-llama-cpp ]; then
      measure "llama.cpp Q4_0" $threads $round env LLAMACPP_MODULES=$PWD/.bench/llamacpp/node_modules node ../shared/bench/llamacpp/bench.mjs "$GGUF" --threads $threads --steps "$STEPS"
    fi
    if [ -n "$llama" ] && [ -f "$LLAMASHARP" ]; then
      measure "LLamaSharp Q4_0" $threads $round dotnet "$LLAMASHARP" "$GGUF" --threads $threads --samples $((STEPS - 5))
    fi
  done
done

/usr/bin/python3 - "$OUT/results.jsonl" "$artifactBytes" "$artifactStepBytes" "$ggufBytes" "$ggufStepBytes" "$OUT/quantize.time" "$STEPS" "$ROUNDS" <<'PY'
import json, os, re, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
artifact, artifact_step, gguf, gguf_step = map(int, sys.argv[2:6])
quantize_time, steps, rounds = sys.argv[6], sys.argv[7], sys.argv[8]
med = lambda values: statistics.median(values) if values else None
bandwidth = {r["threads"]: r["readBytesPerSecond"] for r in rows if r["engine"] == "bandwidth"}
MB = 1e6
# engine -> (decode tok/s key, ttft seconds key, peak RSS in MB, model bytes, bytes per step)
engines = {
    # The first generation's time to first token: llama.cpp and LLamaSharp time their first (only) one
    # too, and the measured run after the warm-ups reuses the warm-ups' prompt.
    "Qllm.Runtime W4A4": ("decodeTokensPerSecond", "firstTtftSeconds", lambda r: r["peakResidentBytes"] / MB, artifact, artifact_step),
    "llama.cpp Q4_0": ("genTokPerS", "ttftS", lambda r: r["peakRssMiB"] * 1.048576, gguf, gguf_step),
    "LLamaSharp Q4_0": ("decodeTokS", "ttft", lambda r: r["peakRssMb"] * 1.048576, gguf, gguf_step),
}
print(f"TinyLlama-1.1B shape (dim 2048, 22 layers, 32/4 heads, hidden 5632, vocab 32000) unless SHAPE says otherwise, seeded random weights; "
      f"greedy, {steps} positions; median of {rounds} interleaved round(s).")
print()
print("| engine | threads | decode tokens/s | vs llama.cpp Q4_0, 1 thread | time to first token, first generation (ms) | peak RSS (MB) | file (MB) | read per token (MB) | decode read rate (GB/s) | share of measured bandwidth |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
def speed(engine, threads):
    key = engines[engine][0]
    return med([r[key] for r in rows if r["engine"] == engine and r.get("threads") == threads and r.get(key)])
anchor = speed("llama.cpp Q4_0", 1)
for engine, (key, ttft, rss, size, step) in engines.items():
    for threads in (1, 2):
        timed_out = [r for r in rows if r["engine"] == engine and r.get("threads") == threads and "timedOut" in r]
        rs = [r for r in rows if r["engine"] == engine and r.get("threads") == threads and "timedOut" not in r]
        if timed_out and not rs:
            print(f"| {engine} | {threads} | (ran past {timed_out[0]['timedOut']} s: no result) | | | | {size / MB:.0f} | {step / MB:.0f} | | |")
        if not rs:
            continue
        s = speed(engine, threads)
        rate = s * step / 1e9 if s else None
        share = f"{rate * 1e9 / bandwidth[threads]:.0%}" if rate and threads in bandwidth else ""
        vs = f"{s / anchor:.2f}x" if s and anchor else ""
        print(f"| {engine} | {threads} | {s:.2f} | {vs} | {med([r[ttft] for r in rs]) * 1000:.0f} | {med([rss(r) for r in rs]):.0f} | "
              f"{size / MB:.0f} | {step / MB:.0f} | {rate:.2f} | {share} |")
print()
for threads, b in sorted(bandwidth.items()):
    print(f"- Streaming read bandwidth, {threads} thread(s), 1 GiB buffer: {b / 1e9:.1f} GB/s.")
loads = {o: [r for r in rows if r["engine"] == "load" and r["open"] == o] for o in ("first", "second")}
for o, rs in loads.items():
    if rs:
        load, first = med([r["loadSeconds"] for r in rs]), med([r["firstTtftSeconds"] for r in rs])
        print(f"- Artifact {o} open ({'fresh memo: the SHA-256 is read' if o == 'first' else 'verification remembered'}), 1 thread: "
              f"load {load:.2f} s + first token {first:.2f} s = {load + first:.2f} s to the first token.")
qllm = [r for r in rows if r["engine"] == "Qllm.Runtime W4A4" and "timedOut" not in r]
if qllm:
    print(f"- Qllm.Runtime first generation in the process (before warm-up), 1 thread: "
          f"{med([r['firstDecodeTokensPerSecond'] for r in qllm if r['threads'] == 1]):.2f} tokens/s; "
          f"runtime model bytes in memory {qllm[0]['modelBytes'] / MB:.0f} MB; peak RSS goal (artifact + 150 MB): {(artifact + 150e6) / MB:.0f} MB.")
if os.path.exists(quantize_time):
    t = open(quantize_time).read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", t)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
    print(f"- Quantizing the artifact (W4A4, --method rtn --weight-rounding nearest --rotation hadamard): "
          f"wall {wall.group(1) if wall else '?'}, peak RSS {int(peak.group(1)) / 1024 / 1024:.1f} GiB." if peak else "")
for engine in engines:
    rs = [r for r in rows if r["engine"] == engine and r.get("threads") == 1 and "timedOut" not in r]
    if rs:
        print(f"- {engine}, 1 thread, text: {rs[0].get('text', '')[:80]!r}")
PY
