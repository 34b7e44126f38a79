#!/usr/bin/env bash
# A 5 GiB archive generated at bench time (tests/big/make_big_archive.py: 5 Linear(16384,16384)
# layers, stored ZIP64 records, no torch needed) converted in reference mode: wall time and peak
# RSS (/usr/bin/time), the median of RUNS runs; then once in the default mode with external data
# for comparison. Usage: bench/bench_big_reference.sh [BUILD_DIR] [RUNS=3]
# (BIG_DIR: where the archive goes, default /tmp/ts2onnx-big; ~5 GiB, ~10 GiB with the copy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool=${1:-$root/build}/tools/ts2onnx/ts2onnx
runs=${2:-3}
dir=${BIG_DIR:-/tmp/ts2onnx-big}
mkdir -p "$dir"
[ -f "$dir/model.pt" ] || python3 "$root/tests/big/make_big_archive.py" "$dir" 5 16384
echo "archive: $(($(stat -c %s "$dir/model.pt") >> 20)) MiB"
spec='x:float32[1,16384]'
run() { # prints "wall_s maxrss_MiB cpu_s"
  /usr/bin/time -f "%e %M %U %S" -o "$dir/time" "$@" >/dev/null 2>&1
  awk '{printf "%s %d %.2f\n", $1, $2 / 1024, $3 + $4}' "$dir/time"
}
for flags in "--external-data-reference" "--external-data-reference --no-crc-check"; do
  for _ in $(seq "$runs"); do
    run "$tool" convert "$dir/model.pt" -o "$dir/ref.onnx" --input "$spec" $flags
  done | sort -g | awk -v f="$flags" '{a[NR]=$0} END {print "reference (" f "): wall_s rss_MiB cpu_s = " a[int((NR+1)/2)]}'
done
echo "default --external-data: wall_s rss_MiB cpu_s = $(run "$tool" convert "$dir/model.pt" -o "$dir/def.onnx" --input "$spec" --external-data)"
echo "cp: wall_s rss_MiB cpu_s = $(run cp "$dir/model.pt" "$dir/copy.pt")"
rm -f "$dir/def.onnx" "$dir/def.onnx.data" "$dir/copy.pt" "$dir/ref.onnx"
