#!/usr/bin/env python3
"""Two builds of ts2onnx side by side: the same conversion run with each, alternating (ABAB, then
BABA) so that the machine's noise falls on both, and the medians and the median of the per-pair
ratios printed. For a change's effect on whole-process time (this machine is noisy: paired
medians, never single timings).

    bench/bench_paired.py BEFORE_BINARY AFTER_BINARY RUNS -- MODEL.pt -o OUT.onnx --input ...

Example (resnet50 from bench/make_models.py, default mode):
    bench/bench_paired.py /tmp/ts2onnx-before build/tools/ts2onnx/ts2onnx 15 -- \\
        /tmp/ts2onnx-bench/resnet50_traced.pt -o /tmp/p.onnx --input 'x:float32[1,3,224,224]'
"""
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 6 or "--" not in sys.argv:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    before, after, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[split + 1:]
    times = {before: [], after: []}
    for i in range(runs):
        for exe in ((before, after) if i % 2 == 0 else (after, before)):
            start = time.perf_counter()
            subprocess.run([exe, "convert"] + args, capture_output=True, check=True)
            times[exe].append(time.perf_counter() - start)
    b, a = statistics.median(times[before]), statistics.median(times[after])
    ratio = statistics.median(x / y for x, y in zip(times[after], times[before]))
    print(f"before {b * 1000:.1f} ms, after {a * 1000:.1f} ms, paired ratio {ratio:.2f} "
          f"({runs} pairs)")


if __name__ == "__main__":
    main()
