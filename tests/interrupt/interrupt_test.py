#!/usr/bin/env python3
"""No partial file on Ctrl-C or kill (issue 9): starts `ts2onnx convert` on a 256 MiB archive made
at test time (tests/big/make_big_archive.py, no torch), sends a signal as soon as the writer's
temporary file appears, and checks that the process ended by that signal and left neither the
output, nor its external data file, nor any temporary file; an output that existed before the
run must be left as it was. Usage: interrupt_test.py TS2ONNX_CLI
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS, N = 1, 8192  # 256 MiB of weights: the writer runs long enough to be interrupted


def run_case(tool, work, name, sig, extra_args, preexisting):
    out_dir = os.path.join(work, name)
    os.makedirs(out_dir)
    out = os.path.join(out_dir, "model.onnx")
    before = {}
    if preexisting:
        for path in (out, out + ".data"):
            with open(path, "wb") as f:
                f.write(b"the previous model, which must survive\n")
            before[os.path.basename(path)] = open(path, "rb").read()
    cmd = [tool, "convert", os.path.join(work, "model.pt"), "-o", out,
           "--input", f"x:float32[1,{N}]"] + extra_args
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    temps = []
    while proc.poll() is None and time.monotonic() < deadline:
        temps = glob.glob(os.path.join(out_dir, "*.tmp.*"))
        if temps:
            break
        time.sleep(0.001)
    if not temps:
        proc.kill()
        proc.wait()
        return [f"{name}: no temporary file appeared before the process ended "
                f"(exit {proc.returncode}); the archive is too small to interrupt the writer"]
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return [f"{name}: still running 60 s after {sig.name}"]
    problems = []
    if proc.returncode != -sig:
        problems.append(f"{name}: exit status {proc.returncode}, expected death by {sig.name} "
                        f"(-{int(sig)}); stderr: {err.decode(errors='replace').strip()}")
    left = sorted(os.listdir(out_dir))
    if sorted(before) != left:
        problems.append(f"{name}: files after {sig.name}: {left}, expected {sorted(before)} "
                        f"(temporaries seen while writing: {[os.path.basename(t) for t in temps]})")
    for base, data in before.items():
        path = os.path.join(out_dir, base)
        if os.path.exists(path) and open(path, "rb").read() != data:
            problems.append(f"{name}: the previous {base} was changed")
    print(f"{name}: {sig.name} after {[os.path.basename(t) for t in temps]} appeared -> exit "
          f"{proc.returncode}, left {left}, {time.monotonic() - started:.2f} s")
    return problems


def main():
    tool = sys.argv[1]
    work = tempfile.mkdtemp(prefix="ts2onnx-interrupt.")
    try:
        start = time.monotonic()
        subprocess.run([sys.executable, os.path.join(HERE, "..", "big", "make_big_archive.py"),
                        work, str(LAYERS), str(N)], check=True, stdout=subprocess.DEVNULL)
        print(f"archive: {os.path.getsize(os.path.join(work, 'model.pt'))} bytes in "
              f"{time.monotonic() - start:.1f} s")
        problems = []
        problems += run_case(tool, work, "sigint-inline", signal.SIGINT, [], False)
        problems += run_case(tool, work, "sigterm-external-data", signal.SIGTERM,
                             ["--external-data"], True)
        problems += run_case(tool, work, "sighup-inline-over-old", signal.SIGHUP, [], True)
        for p in problems:
            print("FAIL: " + p, file=sys.stderr)
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
