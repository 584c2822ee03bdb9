#!/usr/bin/env bash
# A fresh `qllm generate` process against llama2.c's run.c, whole-process wall time, interleaved
# (run.c, qllm, run.c, qllm, ...) so that each pair's ratio holds on a machine whose speed drifts.
# run.c decodes the fp32 llama2.c checkpoint and stops at the story's end (BOS); qllm is given
# the same number of positions, counted by tokenizing run.c's own output.
#
#   bash bench/runc-wall.sh RUNC_BINARY QLLM_DLL ARTIFACT.qllm [CHECKPOINT.bin]   # ROUNDS=7 THREADS="2 1"
#
# RUNC_BINARY: llama2.c's run.c built with `gcc -Ofast -march=native -fopenmp -o run run.c -lm`
# (not part of this repository); it reads tokenizer.bin from its working directory, so the
# script runs it beside the checkpoint's tokenizer.bin. CHECKPOINT defaults to $QLLM_DATA_DIR or
# .data's stories15M.bin.
set -euo pipefail
RUNC=$(readlink -f "$1") QLLM=$(readlink -f "$2") ARTIFACT=$(readlink -f "$3")
DATA=${QLLM_DATA_DIR:-.data}
CHECKPOINT=$(readlink -f "${4:-$DATA/stories15M.bin}")
ROUNDS=${ROUNDS:-7}
THREADS=${THREADS:-"2 1"}
PROMPT="Once upon a time"
WORK=$(mktemp -d)
cp "$(dirname "$CHECKPOINT")/tokenizer.bin" "$WORK/"
# Positions run.c makes: BOS + its output's tokens (the prompt included), as qllm counts them.
(cd "$WORK" && OMP_NUM_THREADS=1 "$RUNC" "$CHECKPOINT" -t 0 -n 256 -i "$PROMPT" >"$WORK/runc.txt" 2>/dev/null)
positions=$(dotnet "$QLLM" tokenize "$CHECKPOINT" --text "$WORK/runc.txt" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ids"]))')
prompt_positions=$(dotnet "$QLLM" tokenize "$CHECKPOINT" --prompt "$PROMPT" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ids"]))')
tokens=$(( positions - prompt_positions ))
echo "run.c stops after $positions positions; qllm generates $tokens tokens after the prompt"
for threads in $THREADS; do
  for round in $(seq "$ROUNDS"); do
    start=$(date +%s%N)
    (cd "$WORK" && OMP_NUM_THREADS=$threads "$RUNC" "$CHECKPOINT" -t 0 -n 256 -i "$PROMPT" >/dev/null 2>&1)
    middle=$(date +%s%N)
    dotnet "$QLLM" generate "$ARTIFACT" --prompt "$PROMPT" --max-tokens "$tokens" --threads "$threads" >/dev/null 2>&1
    end=$(date +%s%N)
    echo "$threads $(( (middle - start) / 1000000 )) $(( (end - middle) / 1000000 ))" >>"$WORK/times"
  done
done
python3 - "$WORK/times" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print("| threads | run.c wall (ms, median) | qllm generate wall (ms, median) | qllm / run.c (median of pairs) |")
print("| --- | ---: | ---: | ---: |")
for threads in dict.fromkeys(r[0] for r in rows):
    pairs = [(int(r[1]), int(r[2])) for r in rows if r[0] == threads]
    print(f"| {threads} | {statistics.median(p[0] for p in pairs):.0f} | {statistics.median(p[1] for p in pairs):.0f} | {statistics.median(q / c for c, q in pairs):.2f}x |")
PY
rm -rf "$WORK"
