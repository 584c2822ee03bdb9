#!/usr/bin/env bash
# Evaluation speed: whole `qllm eval` processes on the first WINDOWS windows of the evaluation text,
# for what a quantization is judged by: an artifact through Qllm.Runtime alone, the fp32 reference
# through the engine alone, and the pair (`--reference`, mean KL and top-1). Each is timed with
# /usr/bin/time (peak RSS) and reports its own positions per second (the evaluation, without loading).
# With BASE (another tree's built tool) each case runs on both, base first, in the same run, and the
# table gives the speed ratio. ARTIFACT is quantized with the default recipe when not given. Run it
# with nothing else on the machine; the table ends with the load average and the CPU's vector flags.
#
#   bash bench/eval-speed.sh
#   BASE="dotnet /tmp/base/src/Qllm.Tool/bin/Release/net10.0/qllm.dll" WINDOWS=128 bash bench/eval-speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-.data}
WINDOWS=${WINDOWS:-128}
if [ -z "${QLLM:-}" ]; then
  dotnet build src/Qllm.Tool -c Release -v quiet -nologo >/dev/null
  QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
fi
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
artifact=${ARTIFACT:-$work/default.qllm}
if [ ! -f "$artifact" ]; then
  $QLLM quantize "$DATA/stories15M.bin" --calibration "$DATA/calibration.txt" --output "$artifact" >"$work/quantize.log" 2>&1
fi
case_args() {
  case "$1" in
    runtime) echo "$artifact" ;;
    reference) echo "$DATA/stories15M.bin" ;;
    pair) echo "$artifact --reference $DATA/stories15M.bin" ;;
  esac
}
# Prints "tokensPerSecond peakMiB meanKL" for one tool and case.
measure() {
  local tool=$1 case=$2 name=$3
  # shellcheck disable=SC2046
  /usr/bin/time -f "%M" -o "$work/$name.time" $tool eval $(case_args "$case") --text "$DATA/evaluation.txt" \
    --max-windows "$WINDOWS" >"$work/$name.out" 2>"$work/$name.err"
  printf '%s %d %s\n' "$(sed -n 's/.*(\([0-9]*\) tokens\/s).*/\1/p' "$work/$name.err")" $(($(tail -1 "$work/$name.time") / 1024)) \
    "$(sed -n 's/^mean KL: *\([0-9.]*\).*/\1/p' "$work/$name.out")"
}
echo "| case | tree | tokens/s | peak RSS MiB | mean KL | speed / base |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for case in runtime reference pair; do
  base_speed=""
  if [ -n "${BASE:-}" ]; then
    read -r base_speed peak kl < <(measure "$BASE" "$case" "base-$case")
    echo "| $case | base | $base_speed | $peak | ${kl:--} | 1 |"
  fi
  read -r speed peak kl < <(measure "$QLLM" "$case" "this-$case")
  ratio="-"
  [ -n "$base_speed" ] && ratio=$(python3 -c "print(f'{$speed / $base_speed:.2f}')")
  echo "| $case | this | $speed | $peak | ${kl:--} | $ratio |"
done
echo
echo "$WINDOWS windows of $(nproc) cores; load average after: $(cut -d' ' -f1-3 /proc/loadavg); flags: $(grep -o -w 'avx512f\|avx512bw\|avx512_vnni\|avx_vnni\|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
