#!/usr/bin/env bash
# Build-time quantization speed: whole `qllm quantize` processes of stories15M at full settings for
# the three recipes a build runs (the W4A4 default, rotation + GPTQ, round-to-nearest), each timed
# with /usr/bin/time (wall, peak RSS) and then evaluated against the fp32 model with
# `qllm eval --reference --engine torch` on the first WINDOWS windows. With BASE (another tree's
# built tool, e.g. BASE="dotnet /tmp/base/src/Qllm.Tool/bin/Release/net10.0/qllm.dll"), each
# recipe runs on both, base first, in the same run, and the table gives the ratio of the walls.
# Run it with nothing else on the machine; the table ends with the load average and the CPU flags
# that decide the calibration's matrix products (avx512_bf16, amx_bf16).
#
#   bash bench/build-speed.sh
#   BASE="dotnet /tmp/base/src/Qllm.Tool/bin/Release/net10.0/qllm.dll" RECIPES=default bash bench/build-speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-.data}
WINDOWS=${WINDOWS:-100}
RECIPES=${RECIPES:-default rot-gptq rtn}
if [ -z "${QLLM:-}" ]; then
  dotnet build src/Qllm.Tool -c Release -v quiet -nologo >/dev/null
  QLLM="dotnet src/Qllm.Tool/bin/Release/net10.0/qllm.dll"
fi
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
recipe_args() {
  case "$1" in
    default) echo "" ;;
    rot-gptq) echo "--method rtn --rotation hadamard --weight-rounding gptq" ;;
    rtn) echo "--method rtn --rotation none --weight-rounding nearest" ;;
    *) echo "unknown recipe $1" >&2; exit 2 ;;
  esac
}
# Prints "wall peakMiB meanKL top1" for one tool and recipe.
measure() {
  local tool=$1 recipe=$2 name=$3
  local out="$work/$name.qllm" report
  # shellcheck disable=SC2046
  /usr/bin/time -f "%e %M" -o "$work/$name.time" $tool quantize "$DATA/stories15M.bin" --calibration "$DATA/calibration.txt" \
    --output "$out" $(recipe_args "$recipe") >"$work/$name.log" 2>&1
  read -r wall kb <"$work/$name.time"
  report=$($tool eval "$out" --reference "$DATA/stories15M.bin" --text "$DATA/evaluation.txt" --max-windows "$WINDOWS" --engine torch 2>/dev/null)
  printf '%s %d %s %s\n' "$wall" $((kb / 1024)) \
    "$(sed -n 's/^mean KL: *\([0-9.]*\).*/\1/p' <<<"$report")" "$(sed -n 's/^top-1 agree: *\([0-9.]*\) %.*/\1/p' <<<"$report")"
}
echo "| recipe | tree | wall s | peak RSS MiB | mean KL | top-1 % | wall / base |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for recipe in $RECIPES; do
  base_wall=""
  if [ -n "${BASE:-}" ]; then
    read -r base_wall peak kl top1 < <(measure "$BASE" "$recipe" "base-$recipe")
    echo "| $recipe | base | $base_wall | $peak | $kl | $top1 | 1 |"
  fi
  read -r wall peak kl top1 < <(measure "$QLLM" "$recipe" "this-$recipe")
  ratio="-"
  [ -n "$base_wall" ] && ratio=$(python3 -c "print(f'{$wall / $base_wall:.2f}')")
  echo "| $recipe | this | $wall | $peak | $kl | $top1 | $ratio |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); bfloat16 flags: $(grep -o -w 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
