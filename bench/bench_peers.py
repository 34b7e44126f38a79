#!/work/venvs/peers/bin/python
"""Peers side by side: ts2onnx against torch 1.13's and torch 2.x's TorchScript exporters and pnnx,
on the same TorchScript archives, with onnxsim/onnxslim node counts of each output.

Not CI. What it needs (each missing peer is skipped with a message, never a crash):
  * this interpreter: a venv with onnx, onnxruntime, numpy, onnxsim, onnxslim and pnnx, outside
    the repo. Made once per machine with:
        /usr/bin/python3 -m venv /work/venvs/peers
        /work/venvs/peers/bin/pip install --only-binary=:all: onnx onnxruntime numpy onnxsim onnxslim
        /work/venvs/peers/bin/pip install --no-deps pnnx   # the wheel's binary bundles libtorch;
                                                           # --no-deps: its Python helpers'
                                                           # torch requirement is not needed
  * ts2onnx: BUILD/tools/ts2onnx/ts2onnx (--build, default ./build);
  * torch 1.13 (/usr/bin/python3, Debian) and torch 2.x (/opt/venv-torch2/bin/python): both run
    bench/torch_export.py (torch.onnx.export, TorchScript exporter, dynamo=False on 2.x);
  * the archives, their inputs and torch's outputs: bench/make_peer_models.py, run here with
    /usr/bin/python3 when --models is missing some (the 1 GB+ transformer is generated then).

Usage:
  /work/venvs/peers/bin/python bench/bench_peers.py [--runs 5] [--models a,b] [--dir DIR]
      [--variant 'LABEL=FLAGS' ...] [--out results.json] [--markdown table.md]
Every tool converts every model RUNS times, interleaved (run i runs each tool once, in an order
rotated by i), and the medians are reported: wall time, CPU time (user+system of the process)
and peak RSS of the whole process, both from /usr/bin/time. Then, on each tool's ONNX file:
node count (subgraphs included), onnxsim's and onnxslim's node counts (each run once, in its own
process), onnxruntime latency (Python onnxruntime, 1 thread, the tools' sessions run interleaved,
median) and whether the outputs match torch's (rtol 1e-3, atol 1e-5).
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH113 = "/usr/bin/python3"
TORCH2 = "/opt/venv-torch2/bin/python"

# ts2onnx flag sets: LABEL -> extra flags: the default mode and the zero-copy reference mode
# (whose model is written beside the archive it points into; BatchNorm fusion is off there).
VARIANTS = [
    ("ts2onnx", []),
    ("ts2onnx-ref", ["--external-data-reference"]),
]

DEFAULT_MODELS = ["mobilenet_v2_traced", "resnet50_traced", "bert_like_traced",
                  "ctrl_flow_scripted", "lstm_scripted", "transformer_big_traced"]
OPSET = 17  # the newest torch 1.13 exports; ts2onnx's default


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_measured(cmd, cwd, timeout):
    """Runs cmd under /usr/bin/time; returns (ok, wall_s, cpu_s, maxrss_mib, last stderr line).

    Peak RSS and CPU come from /usr/bin/time (GNU time's wait4 rusage of the tool), not from our
    own wait4: a child forked from this Python process (which holds onnxruntime sessions) keeps
    the parent's RSS as its high-water mark across exec. Wall time is ours (perf_counter).
    """
    errpath = os.path.join(cwd, "stderr.txt")
    rpath = os.path.join(cwd, "rusage.txt")
    with open(errpath, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", "-o", rpath] + cmd, cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        wall = time.perf_counter() - t0
    ok = p.returncode == 0 and wall < timeout
    with open(errpath, "rb") as f:
        lines = [l for l in f.read().decode("utf-8", "replace").splitlines() if l.strip()]
    cpu = rss = None
    rtext = open(rpath).read() if os.path.exists(rpath) else ""
    if not ok:
        sig = [l for l in rtext.splitlines() if "terminated by signal" in l]
        said = [l for l in lines if not l.startswith("#") and "=" not in l and "---" not in l]
        msg = ("timeout after %ds" % timeout if wall >= timeout else
               sig[0] if sig else "exit %d: %s" % (p.returncode, said[-1] if said else ""))
    else:
        msg = ""
    try:
        u, s_, m = rtext.split()[-3:]
        cpu, rss = float(u) + float(s_), int(m) / 1024.0
    except ValueError:
        pass
    return ok, wall, cpu, rss, msg[:200]


class Tool:
    def __init__(self, label, make_cmd):
        self.label, self.make_cmd = label, make_cmd


def find_tools(args):
    tools = []
    # Absolute: the tools run in the models' directory.
    ts2onnx = os.path.abspath(args.ts2onnx or os.path.join(args.build, "tools", "ts2onnx", "ts2onnx"))
    if os.access(ts2onnx, os.X_OK):
        for label, flags in VARIANTS + [tuple(v.split("=", 1)) for v in args.variant]:
            flags = flags.split() if isinstance(flags, str) else flags

            def cmd(pt, out, shape, flags=flags):
                return [ts2onnx, "convert", pt, "-o", out, "--opset", str(OPSET),
                        "--input", "x:float32[%s]" % ",".join(map(str, shape))] + flags
            tool = Tool(label, cmd)
            # Reference mode points into the archive by a relative path, so its model is
            # written beside the archive.
            tool.beside_archive = "--external-data-reference" in flags
            tools.append(tool)
    else:
        log("bench_peers: skipping ts2onnx: %s is missing (build with scripts/build.sh)" % ts2onnx)
    export = os.path.join(ROOT, "bench", "torch_export.py")
    for label, py in [("torch1.13", TORCH113), ("torch2", TORCH2)]:
        probe = subprocess.run([py, "-c", "import torch; print(torch.__version__)"],
                               capture_output=True, text=True) if os.access(py, os.X_OK) else None
        if probe is None or probe.returncode != 0:
            log("bench_peers: skipping %s: %s cannot import torch" % (label, py))
            continue
        if label == "torch2":
            label = "torch" + probe.stdout.strip().split("+")[0]
        tools.append(Tool(label, lambda pt, out, shape, py=py: [
            py, export, pt, out, ",".join(map(str, shape)), str(OPSET)]))
    pnnx = args.pnnx or shutil.which("pnnx")
    if not pnnx:
        import importlib.util
        spec = importlib.util.find_spec("pnnx")  # the package's __init__ imports torch: no import
        cand = os.path.join(list(spec.submodule_search_locations)[0], "pnnx") if spec else ""
        pnnx = cand if spec and os.access(cand, os.X_OK) else None
    if pnnx:
        def pnnx_cmd(pt, out, shape, pnnx=pnnx):
            d = os.path.dirname(out)
            # fp16=0: keep float32 weights. Its other outputs (pnnx and ncnn param/bin/py) are
            # written too, as pnnx always does, next to the ONNX file.
            return [pnnx, pt, "inputshape=[%s]" % ",".join(map(str, shape)), "fp16=0",
                    "pnnxonnx=" + out] + ["%s=%s" % (k, os.path.join(d, v)) for k, v in [
                        ("pnnxparam", "m.pnnx.param"), ("pnnxbin", "m.pnnx.bin"),
                        ("pnnxpy", "m_pnnx.py"), ("ncnnparam", "m.ncnn.param"),
                        ("ncnnbin", "m.ncnn.bin"), ("ncnnpy", "m_ncnn.py")]]
        tools.append(Tool("pnnx", pnnx_cmd))
    else:
        log("bench_peers: skipping pnnx: no pnnx binary (pip install --no-deps pnnx, or --pnnx)")
    return tools


def count_nodes(graph):
    n = 0
    for node in graph.node:
        n += 1
        for a in node.attribute:
            if a.g is not None and a.HasField("g"):
                n += count_nodes(a.g)
            for g in a.graphs:
                n += count_nodes(g)
    return n


def onnx_info(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    opsets = {o.domain or "ai.onnx": o.version for o in m.opset_import}
    return {"nodes": count_nodes(m.graph), "top_nodes": len(m.graph.node),
            "opset": opsets.get("ai.onnx"), "runnable": bool(m.opset_import)}


def simplify(tool, path, timeout):
    """Node count after onnxsim or onnxslim (each in its own process), or an error string."""
    out = path + "." + tool + ".onnx"
    code = {
        "onnxsim": "import onnx, onnxsim, sys\n"
                   "m, ok = onnxsim.simplify(onnx.load(sys.argv[1]))\n"
                   "assert ok, 'onnxsim check failed'\n"
                   "onnx.save(m, sys.argv[2], save_as_external_data=m.ByteSize() > 2**31 - 2**26)\n",
        "onnxslim": "import onnxslim, sys\nonnxslim.slim(sys.argv[1], sys.argv[2])\n",
    }[tool]
    try:
        r = subprocess.run([sys.executable, "-c", code, path, out], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    if r.returncode != 0 or not os.path.exists(out):
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        return "failed: " + (lines[-1][:120] if lines else "exit %d" % r.returncode)
    n = onnx_info(out)["nodes"]
    for f in os.listdir(os.path.dirname(out)):
        if f.startswith(os.path.basename(out)):
            os.remove(os.path.join(os.path.dirname(out), f))
    return n


def ort_check(paths, x, refs, min_runs, budget_s):
    """Interleaved latency (median ms) and torch match per path, one intra-op thread."""
    import numpy as np
    import onnxruntime as ort
    res, sessions = {}, {}
    for label, path in paths.items():
        try:
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            so.inter_op_num_threads = 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            feeds = {s.get_inputs()[0].name: x}
            outs = s.run(None, feeds)
            ok = len(outs) >= len(refs) and all(
                o.shape == r.shape and np.allclose(o, r, rtol=1e-3, atol=1e-5)
                for o, r in zip(outs, refs))
            err = max(float(np.max(np.abs(o.astype(np.float64) - r))) if o.shape == r.shape
                      else float("inf") for o, r in zip(outs, refs))
            res[label] = {"match": ok, "max_abs_err": err, "lat": []}
            sessions[label] = (s, feeds)
        except Exception as e:  # noqa: BLE001 - any load/run failure is a result
            res[label] = {"match": False, "ort_error": str(e).splitlines()[0][:160]}
    t_end = time.perf_counter() + budget_s
    i = 0
    while sessions and (i < min_runs or (time.perf_counter() < t_end and i < 50)):
        for label, (s, feeds) in sessions.items():
            t0 = time.perf_counter()
            s.run(None, feeds)
            res[label]["lat"].append((time.perf_counter() - t0) * 1e3)
        i += 1
    for r in res.values():
        if r.get("lat"):
            r["ort_ms"] = statistics.median(r["lat"])
            r["ort_runs"] = len(r["lat"])
        r.pop("lat", None)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--ts2onnx", default=None, help="the ts2onnx binary (default BUILD/tools/ts2onnx/ts2onnx)")
    ap.add_argument("--dir", default="/tmp/ts2onnx-peers")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--runs-for", action="append", default=["resnet50_traced=9"],
                    help="NAME=N: runs for one model (resnet50_traced=9 by default)")
    ap.add_argument("--variant", action="append", default=[],
                    help="LABEL=FLAGS: one more ts2onnx mode, e.g. 'ts2onnx-ref=--external-data=reference'")
    ap.add_argument("--pnnx", default=None, help="path of the pnnx binary")
    ap.add_argument("--big-gib", type=float, default=1.1)
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per conversion")
    ap.add_argument("--sim-timeout", type=int, default=900)
    ap.add_argument("--no-sim", action="store_true")
    ap.add_argument("--out", default=None, help="results JSON (default DIR/results.json)")
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    args = ap.parse_args()
    import numpy as np

    if not os.access("/usr/bin/time", os.X_OK):
        log("bench_peers: /usr/bin/time (GNU time) is needed to measure CPU time and peak RSS")
        return 2
    models = [m for m in args.models.split(",") if m]
    runs_for = dict(kv.split("=") for kv in args.runs_for)
    manifest_path = os.path.join(args.dir, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    if any(m not in manifest for m in models):
        if subprocess.run([TORCH113, "-c", "import torch, torchvision"]).returncode != 0:
            log("bench_peers: archives missing in %s and %s has no torch/torchvision to make them"
                % (args.dir, TORCH113))
            return 2
        subprocess.run([TORCH113, os.path.join(ROOT, "bench", "make_peer_models.py"), args.dir,
                        "--big-gib", str(args.big_gib), "--only", ",".join(models)], check=True)
        manifest = json.load(open(manifest_path))

    tools = find_tools(args)
    if not tools:
        log("bench_peers: no tool to run")
        return 2
    log("bench_peers: tools: " + ", ".join(t.label for t in tools))
    results = {}
    out_json = args.out or os.path.join(args.dir, "results.json")
    for name in models:
        info = manifest[name]
        pt = os.path.join(args.dir, name + ".pt")
        shape = info["shape"]
        n = int(runs_for.get(name, args.runs))
        per = {t.label: {"wall": [], "cpu": [], "rss": [], "ok": True, "error": ""} for t in tools}
        work = {t.label: args.dir if getattr(t, "beside_archive", False)
                else os.path.join(args.dir, "out", name, t.label) for t in tools}

        def model_path(t):
            if getattr(t, "beside_archive", False):
                return os.path.join(args.dir, "%s.%s.onnx" % (name, t.label))
            return os.path.join(work[t.label], name + ".onnx")
        log("== %s (%d MiB), %d runs" % (name, info["bytes"] >> 20, n))
        for i in range(n):
            order = tools[i % len(tools):] + tools[:i % len(tools)]
            for t in order:
                r = per[t.label]
                if not r["ok"]:
                    continue
                d = work[t.label]
                onnx_path = model_path(t)
                if getattr(t, "beside_archive", False):
                    if os.path.exists(onnx_path):
                        os.remove(onnx_path)
                else:
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                ok, wall, cpu, rss, msg = run_measured(t.make_cmd(pt, onnx_path, shape), d,
                                                       args.timeout)
                if ok and not os.path.exists(onnx_path):
                    ok, msg = False, "no ONNX file written"
                if not ok:
                    r["ok"], r["error"] = False, msg
                    log("   %-12s failed: %s" % (t.label, msg))
                    continue
                r["wall"].append(wall)
                r["cpu"].append(cpu)
                r["rss"].append(rss)
            log("   run %d: " % (i + 1) + "  ".join(
                "%s %.2fs" % (k, v["wall"][-1]) for k, v in per.items() if v["ok"] and v["wall"]))
        x = np.load(os.path.join(args.dir, name + ".in0.npy"))
        refs = [np.load(os.path.join(args.dir, "%s.out%d.npy" % (name, k)))
                for k in range(info["outputs"])]
        runnable = {}
        for t in tools:
            r = per[t.label]
            for k in ("wall", "cpu", "rss"):
                r[k] = statistics.median(r[k]) if r[k] else None
            if not r["ok"]:
                continue
            path = model_path(t)
            r.update(onnx_info(path))
            if not r["runnable"]:
                r["ort_error"] = "not a runnable ONNX model (no opset_import)"
                continue
            runnable[t.label] = path
            if not args.no_sim:
                for sim in ("onnxsim", "onnxslim"):
                    r[sim] = simplify(sim, path, args.sim_timeout)
                    log("   %-12s %s: %s -> %s" % (t.label, sim, r["nodes"], r[sim]))
        big = info["bytes"] > (500 << 20)
        for label, v in ort_check(runnable, x, refs, 5 if big else 20,
                                  20.0 if big else 10.0).items():
            per[label].update(v)
        results[name] = {"mib": info["bytes"] / 2**20, "runs": n, "tools": per}
        with open(out_json, "w") as f:
            json.dump(results, f, indent=1)
        print(table({name: results[name]}), flush=True)
    md = table(results)
    print("\n" + md)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md + "\n")
    return 0


def fmt_sim(v):
    return "-" if v is None else (str(v) if isinstance(v, int) else "fail")


def table(results):
    rows = ["| model (MiB, runs) | tool | ok | wall s | CPU s | peak RSS MiB | nodes | onnxsim | "
            "onnxslim | ORT ms | matches torch |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, res in results.items():
        for label, r in res["tools"].items():
            if not r["ok"]:
                rows.append("| %s (%.0f, %d) | %s | no: %s | | | | | | | | |" % (
                    name, res["mib"], res["runs"], label, r["error"].replace("|", "/")[:90]))
                continue
            ort_ms = "%.2f" % r["ort_ms"] if "ort_ms" in r else "-"
            match = "yes" if r.get("match") else (
                "no (%s)" % r["ort_error"][:60] if "ort_error" in r else
                "no (max err %.2g)" % r.get("max_abs_err", float("nan")))
            rows.append("| %s (%.0f, %d) | %s | yes | %.2f | %.2f | %.0f | %s | %s | %s | %s | %s |"
                        % (name, res["mib"], res["runs"], label, r["wall"], r["cpu"] or float("nan"),
                           r["rss"] or float("nan"),
                           r.get("nodes", "-"), fmt_sim(r.get("onnxsim")),
                           fmt_sim(r.get("onnxslim")), ort_ms, match))
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
