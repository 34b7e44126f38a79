#!/usr/bin/env bash
# Linear cost (issue 8): times whole-process `ts2onnx convert` on generated models at three
# sizes each (bench/make_scale_models.py, cached in SCALE_DIR: a deep MLP at 1k/4k/16k layers, a
# scripted model of 100/400/1600 blocks of nested if/loop/if) and prints the fitted exponent of
# cost against size (least-squares slope in log-log; 1 is linear, 2 quadratic).
#
# Columns: median wall seconds and median CPU seconds (user + system) of RUNS runs, peak RSS,
# ONNX node count. With SCALE_INSNS=1 (needs valgrind) it also counts instructions once per model
# under callgrind, which no other load on the machine disturbs, and splits off the instructions
# of the ONNX checker (onnx::checker + onnx shape inference, which the emitter runs on every
# model): `ours` is the total minus the checker. Exponents are printed for every column.
# Usage: bench/bench_scale.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-3}
dir=${SCALE_DIR:-/tmp/ts2onnx-scale}
insns=${SCALE_INSNS:-0}
tool="$build/tools/ts2onnx/ts2onnx"
/usr/bin/python3 "$root/bench/make_scale_models.py" "$dir" >/dev/null
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Least-squares slope of log(column) against log(size), rows "size v1 v2 ...".
slopes() {
  awk '{for (c = 2; c <= NF; c++) if ($c > 0) {x = log($1); y = log($c); n[c]++; sx[c] += x;
      sy[c] += y; sxx[c] += x * x; sxy[c] += x * y}; if (NF > m) m = NF}
    END {for (c = 2; c <= m; c++) {d = n[c] * sxx[c] - sx[c] * sx[c]; num = n[c] * sxy[c] - sx[c] * sy[c]
      printf " %.2f", num / d}; print ""}'
}

if [ "$insns" = 1 ]; then
  printf "%-6s %6s %8s %8s %8s %7s %12s %12s %12s\n" model size wall_s cpu_s MiB nodes \
    insns checker_ins ours_ins
else
  printf "%-6s %6s %8s %8s %8s %7s\n" model size wall_s cpu_s MiB nodes
fi

run_family() { # name input-spec size...
  local family=$1 spec=$2 points=""
  shift 2
  for size in "$@"; do
    local t=() c=() m=() res pt="$dir/${family}_$size.pt" onnx="$dir/${family}_$size.onnx"
    for _ in $(seq "$runs"); do
      # Wall time from the clock in nanoseconds (time's %e has 10 ms steps, too coarse for the
      # smallest sizes, which set the fitted exponent); CPU and peak RSS from time.
      local t0 t1
      t0=$(date +%s.%N)
      res=$(/usr/bin/time -f "%e %M %U %S %x" "$tool" convert "$pt" -o "$onnx" --input "$spec" \
        2>&1 >/dev/null | tail -1)
      t1=$(date +%s.%N)
      [ "${res##* }" = 0 ] || { echo "bench: ${family}_$size failed: $res" >&2; exit 1; }
      read -r s k u y _ <<<"$res"
      t+=("$(awk "BEGIN {printf \"%.4f\", $t1 - $t0}")")
      m+=("$k")
      c+=("$(awk "BEGIN {print $u + $y}")")
    done
    local ts cs mib nodes
    ts=$(printf '%s\n' "${t[@]}" | median)
    cs=$(printf '%s\n' "${c[@]}" | median)
    mib=$(($(printf '%s\n' "${m[@]}" | median | cut -d. -f1) / 1024))
    nodes=$("$tool" inspect "$onnx" | awk '/^nodes:/ {print $2}')
    if [ "$insns" = 1 ]; then
      local cg="$dir/${family}_$size.callgrind" total checker
      valgrind --tool=callgrind --callgrind-out-file="$cg" "$tool" convert "$pt" -o "$onnx" \
        --input "$spec" >/dev/null 2>&1
      # Inclusive counts: the whole program, and ts2onnx's call of the checker.
      callgrind_annotate --inclusive=yes "$cg" >"$cg.txt" 2>/dev/null
      total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}' "$cg.txt")
      checker=$(awk '/symbolics::checkModel\(/ {gsub(",", "", $1); print $1; exit}' "$cg.txt")
      checker=${checker:-0}
      rm -f "$cg" "$cg.txt"
      printf "%-6s %6s %8s %8s %8s %7s %12s %12s %12s\n" "$family" "$size" "$ts" "$cs" "$mib" \
        "${nodes:-?}" "$total" "$checker" "$((total - checker))"
      points+="$size $ts $cs $total $checker $((total - checker))\n"
    else
      printf "%-6s %6s %8s %8s %8s %7s\n" "$family" "$size" "$ts" "$cs" "$mib" "${nodes:-?}"
      points+="$size $ts $cs\n"
    fi
  done
  printf "%-6s fitted exponent (wall cpu%s):%s\n" "$family" \
    "$([ "$insns" = 1 ] && echo " insns checker ours")" "$(printf "$points" | slopes)"
}

run_family mlp "x:float32[1,8]" 1000 4000 16000
run_family nest "x:float32[2,8]" 100 400 1600
echo "(wall_s, cpu_s: medians of $runs whole-process runs; cpu = user + system; MiB: peak RSS)"
