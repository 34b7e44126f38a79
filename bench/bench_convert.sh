#!/usr/bin/env bash
# Times whole-process `ts2onnx convert` against torch.onnx.export (when /usr/bin/python3 has
# torch) and against `cp` of the same archive: median wall time and peak RSS of RUNS runs each
# (/usr/bin/time -f "%e %M"). Then the onnxruntime latency of both ONNX files (median of
# ORT_RUNS runs, one thread). Archives come from bench/make_models.py (needs torch once; set
# BENCH_DIR to reuse a directory; BENCH_TORCH=0 skips the torch.onnx.export runs). Besides wall
# time, the CPU time (user + system) of ts2onnx and cp is reported: on a shared machine it is
# the steadier of the two. Usage: bench/bench_convert.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
ort_runs=${ORT_RUNS:-30}
dir=${BENCH_DIR:-/tmp/ts2onnx-bench}
tool="$build/tools/ts2onnx/ts2onnx"
ort_dir=${TS2ONNX_ORT_DIR:-$build/node}
have_torch=0
if [ "${BENCH_TORCH:-1}" != 0 ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  have_torch=1
  /usr/bin/python3 "$root/bench/make_models.py" "$dir" >/dev/null
fi
out="$dir/out"
mkdir -p "$out"

measure() { # prints "seconds maxrss_kb cpu_seconds" of one run of "$@"; a failure stops it
  local res
  res=$(/usr/bin/time -f "%e %M %U %S %x" "$@" 2>&1 >/dev/null | tail -1)
  if [ "${res##* }" != 0 ]; then
    echo "bench: failed: $*" >&2
    exit 1
  fi
  echo "$res" | awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# "median_seconds median_MiB median_cpu_seconds" of RUNS runs of "$@"
stats() {
  local t=() m=() c=() s k u
  for _ in $(seq "$runs"); do
    read -r s k u < <(measure "$@")
    t+=("$s")
    m+=("$k")
    c+=("$u")
  done
  echo "$(printf '%s\n' "${t[@]}" | median) $(($(printf '%s\n' "${m[@]}" | median | cut -d. -f1) / 1024)) $(printf '%s\n' "${c[@]}" | median)"
}

models=("resnet50_traced 1,3,224,224" "mobilenet_v2_traced 1,3,224,224"
        "bert_like_traced 1,128,768")
printf "%-20s %6s | %6s %6s %6s | %6s %6s %8s | %7s %9s | %7s %6s | %9s %9s\n" archive MiB \
  cp_s cp_cpu cp_MiB ours_s ours_cpu ours_MiB torch_s torch_MiB speedup x_cp ort_ours ort_torch
for entry in "${models[@]}"; do
  read -r name shape <<<"$entry"
  pt="$dir/$name.pt"
  [ -f "$pt" ] || { echo "bench: $pt is missing (make it with bench/make_models.py)" >&2; exit 1; }
  mib=$(($(stat -c %s "$pt") >> 20))
  read -r cp_s cp_m cp_c < <(stats cp "$pt" "$out/copy.pt")
  ours="$out/$name.ts2onnx.onnx"
  read -r our_s our_m our_c < <(stats "$tool" convert "$pt" -o "$ours" --input "x:float32[$shape]")
  torch_s=- torch_m=- speedup=- ort_theirs=-
  theirs="$out/$name.torch.onnx"
  if [ $have_torch = 1 ]; then
    read -r torch_s torch_m _ < <(stats /usr/bin/python3 "$root/bench/torch_export.py" "$pt" "$theirs" "$shape")
    speedup=$(awk "BEGIN {printf \"%.1f\", $torch_s / ($our_s > 0 ? $our_s : 0.005)}")
  fi
  x_cp=$(awk "BEGIN {printf \"%.1f\", $our_s / ($cp_s > 0 ? $cp_s : 0.005)}")
  ort_ours=-
  if [ -d "$ort_dir" ]; then
    files=("$ours")
    [ $have_torch = 1 ] && files+=("$theirs")
    mapfile -t lat < <(node "$root/bench/ort_latency.js" "$ort_dir" "$ort_runs" "$shape" "${files[@]}")
    ort_ours="$(echo "${lat[0]}" | awk '{print $2}')ms"
    [ $have_torch = 1 ] && ort_theirs="$(echo "${lat[1]}" | awk '{print $2}')ms"
  fi
  printf "%-20s %6s | %6s %6s %6s | %6s %6s %8s | %7s %9s | %7s %6s | %9s %9s\n" "$name" "$mib" \
    "$cp_s" "$cp_c" "$cp_m" "$our_s" "$our_c" "$our_m" "$torch_s" "$torch_m" "$speedup" "$x_cp" \
    "$ort_ours" "$ort_theirs"
done
echo "(seconds: median wall time of $runs whole-process runs; cpu: median user + system seconds;"
echo " MiB: median peak RSS; speedup:"
echo " torch.onnx.export / ts2onnx; x_cp: ts2onnx / cp; ort: median onnxruntime latency of"
echo " $ort_runs runs, 1 thread)"
