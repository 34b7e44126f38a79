#!/usr/bin/env bash
# Linear cost (issue 8): times whole-process `ts2onnx convert` on generated models at three
# sizes each (bench/make_scale_models.py: a traced deep MLP at 1k/4k/16k layers, a scripted model
# of 100/400/1600 blocks of nested if/loop/if) and prints the fitted exponent of time against
# size (least-squares slope in log-log; 1 is linear, 2 quadratic). Median of RUNS runs.
# Usage: bench/bench_scale.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-3}
dir=${SCALE_DIR:-/tmp/ts2onnx-scale}
tool="$build/tools/ts2onnx/ts2onnx"
/usr/bin/python3 "$root/bench/make_scale_models.py" "$dir" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_family() { # name input-spec size...
  local family=$1 spec=$2 points=""
  shift 2
  for size in "$@"; do
    local t=() m=() res
    for _ in $(seq "$runs"); do
      res=$(/usr/bin/time -f "%e %M %x" "$tool" convert "$dir/${family}_$size.pt" \
        -o "$dir/${family}_$size.onnx" --input "$spec" 2>&1 >/dev/null | tail -1)
      [ "${res##* }" = 0 ] || { echo "bench: ${family}_$size failed" >&2; exit 1; }
      read -r s k _ <<<"$res"
      t+=("$s")
      m+=("$k")
    done
    local ts nodes
    ts=$(printf '%s\n' "${t[@]}" | median)
    nodes=$("$tool" inspect "$dir/${family}_$size.onnx" | awk '/^nodes:/ {print $2}')
    printf "%-6s %6s  %8s s  %6s MiB  %s top-level ONNX nodes\n" "$family" "$size" "$ts" \
      "$(($(printf '%s\n' "${m[@]}" | median | cut -d. -f1) / 1024))" "${nodes:-?}"
    points+="$size $ts\n"
  done
  printf "$points" | awk -v f="$family" '$2 > 0 {x = log($1); y = log($2); n++; sx += x; sy += y;
    sxx += x * x; sxy += x * y} END {printf "%-6s fitted exponent %.2f\n", f,
    (n * sxy - sx * sy) / (n * sxx - sx * sx)}'
}

run_family mlp "x:float32[1,8]" 1000 4000 16000
run_family nest "x:float32[2,8]" 100 400 1600
