#!/usr/bin/env bash
# Times importing an archive into the IR (`ts2onnx dump --graph`, whole process) against
# `torch.jit.load` + `inlined_graph` in Python, several runs each; prints median wall time and
# peak RSS. Needs /usr/bin/python3 with Debian's python3-torch for the archives and the torch
# column. Usage: bench/bench_import.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
dir=${BENCH_DIR:-/tmp/ts2onnx-bench}
/usr/bin/python3 "$root/bench/make_models.py" "$dir" >/dev/null
tool="$build/tools/ts2onnx/ts2onnx"

measure() { # prints "seconds maxrss_kb" of one run of "$@"; a failed run stops the benchmark
  local out
  out=$(/usr/bin/time -f "%e %M %x" "$@" 2>&1 >/dev/null | tail -1)
  if [ "${out##* }" != 0 ]; then
    echo "bench: failed: $*" >&2
    exit 1
  fi
  echo "${out% *}"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf "%-28s %10s %12s %14s %12s %10s\n" archive MB ts2onnx_s ts2onnx_MiB torch_s torch_MiB
for f in "$dir"/*.pt; do
  mb=$(du -m "$f" | cut -f1)
  ours=(); ourmem=(); theirs=(); theirmem=()
  for _ in $(seq "$runs"); do
    read -r s m < <(measure "$tool" dump "$f" --graph)
    ours+=("$s"); ourmem+=("$m")
    read -r s m < <(measure /usr/bin/python3 -c "import torch,sys; m=torch.jit.load(sys.argv[1]); m.inlined_graph" "$f")
    theirs+=("$s"); theirmem+=("$m")
  done
  printf "%-28s %10s %12s %14s %12s %10s\n" "$(basename "$f")" "$mb" \
    "$(printf '%s\n' "${ours[@]}" | median)" \
    "$(( $(printf '%s\n' "${ourmem[@]}" | median | cut -d. -f1) / 1024 ))" \
    "$(printf '%s\n' "${theirs[@]}" | median)" \
    "$(( $(printf '%s\n' "${theirmem[@]}" | median | cut -d. -f1) / 1024 ))"
done
