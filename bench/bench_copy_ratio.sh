#!/usr/bin/env bash
# Paired runs against `cp`: each round runs `cp` of the archive, then ts2onnx in the default
# mode, in reference mode (--external-data-reference), and both with --no-crc-check, in that
# order; prints the median wall time of each and the median of the per-round ratios to `cp`
# (paired, so a slow moment of the shared machine hits both sides of a ratio).
# Usage: bench/bench_copy_ratio.sh ARCHIVE.pt INPUT_SPEC [RUNS=9] [BUILD_DIR]
# e.g.   bench/bench_copy_ratio.sh /tmp/ts2onnx-bench/resnet50_traced.pt x:float32[1,3,224,224]
# (archives from bench/make_models.py). The outputs go beside the archive (reference mode
# needs the model in the archive's directory).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME with a "." for bc
root=$(cd "$(dirname "$0")/.." && pwd)
pt=$1
spec=$2
runs=${3:-9}
tool=${4:-$root/build}/tools/ts2onnx/ts2onnx
dir=$(dirname "$pt")
# Bash's clock, read without a process: `date` in $(...) added its own start-up and the
# subshell's to every timing (resnet50: cp 27 -> 24 ms, reference mode 14 -> 11 ms measured
# without it).
time_of() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  t1=$EPOCHREALTIME
  echo "$t1 - $t0" | bc -l
}
declare -A all
modes=(cp default reference default_nocrc reference_nocrc)
for _ in $(seq "$runs"); do
  rm -f "$dir/bench-copy.pt" "$dir"/bench-*.onnx*
  sync
  c=$(time_of cp "$pt" "$dir/bench-copy.pt")
  d=$(time_of "$tool" convert "$pt" -o "$dir/bench-default.onnx" --input "$spec")
  r=$(time_of "$tool" convert "$pt" -o "$dir/bench-ref.onnx" --input "$spec" --external-data-reference)
  dn=$(time_of "$tool" convert "$pt" -o "$dir/bench-default2.onnx" --input "$spec" --no-crc-check)
  rn=$(time_of "$tool" convert "$pt" -o "$dir/bench-ref2.onnx" --input "$spec" --external-data-reference --no-crc-check)
  all[cp]+="$c "
  all[default]+="$d "
  all[reference]+="$r "
  all[default_nocrc]+="$dn "
  all[reference_nocrc]+="$rn "
  all[r_default]+="$(echo "$d / $c" | bc -l) "
  all[r_reference]+="$(echo "$r / $c" | bc -l) "
  all[r_default_nocrc]+="$(echo "$dn / $c" | bc -l) "
  all[r_reference_nocrc]+="$(echo "$rn / $c" | bc -l) "
done
rm -f "$dir/bench-copy.pt" "$dir"/bench-*.onnx*
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "$(basename "$pt") $(($(stat -c %s "$pt") >> 20)) MiB, $runs paired runs"
for m in "${modes[@]}"; do
  ratio=-
  [ "$m" = cp ] || ratio=$(echo "${all[r_$m]}" | median)
  printf "%-16s median %.3f s  x_cp %s\n" "$m" "$(echo "${all[$m]}" | median)" "$ratio"
done
