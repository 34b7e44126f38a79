#!/usr/bin/python3
"""For each case of issue 6 ("control flow, sequences, dynamic shapes, recurrent and attention
models"): does torch.onnx.export (torch 1.13) handle the fixture, and does ts2onnx?

Needs a Python with torch (Debian's /usr/bin/python3 here) and a built ts2onnx with
onnxruntime-node (`ts2onnx verify`). Not part of CI. For each fixture both exporters start from
the same archive (model.pt, torch.jit.load for torch), with the fixture's dynamic axes, at one
opset; "PASS" means the model was written and matches torch's recorded outputs in onnxruntime
on both input sets (rtol 1e-3, atol 1e-5), else the first problem is shown.

    /usr/bin/python3 scripts/torch-export-matrix.py --tool build/tools/ts2onnx/ts2onnx
"""
import argparse
import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CASES = [
    ("1 Loop/If", ["if_loop", "while_loop", "nested_if", "loop_model2"]),
    ("2 lists/sequences", ["list_ops", "seq_loop_stack", "seq_cond_append", "unbind_seed",
                           "split_squeeze_seed", "tuple_ops"]),
    ("3 in-place indexing", ["index_assign_seed_scripted", "index_assign_seed_traced",
                             "masked_assign_scripted", "masked_assign_traced",
                             "slice_index_assign_scripted", "slice_index_assign_traced",
                             "index_put_scripted", "index_put_traced", "inplace_index",
                             "inplace_index_traced", "inplace_scatter"]),
    ("4 dynamic axes", ["resnet18_traced", "transformer_encoder_traced", "vit_small_traced",
                        "attn_encoder_seq_first_scripted"]),
    ("5 RNNs", ["lstm_scripted", "lstm_traced", "lstm_seed_scripted", "lstm_seed_traced",
                "lstm_bidir2_state_scripted", "gru_scripted", "gru_bidir_state_scripted",
                "rnn_tanh_scripted", "rnn_relu_traced"]),
    ("6 attention", ["attn_mha_scripted", "attn_encoder_mask_scripted",
                     "transformer_encoder_scripted", "vit_small_scripted"]),
    ("7 dict outputs", ["dict_heads", "dict_ops", "lraspp_small_scripted",
                        "lraspp_small_traced"]),
]

NP = {"float32": np.float32, "int64": np.int64, "bool": np.bool_, "float64": np.float64,
      "int32": np.int32, "uint8": np.uint8}


def first_line(text, limit=90):
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("Traceback") and "Warning" not in line:
            return line[:limit]
    return text.strip()[:limit]


def load_inputs(fixture, meta, key):
    args = []
    for e in meta[key]:
        a = np.fromfile(os.path.join(fixture, e["file"]), dtype=NP[e["dtype"]])
        a = a.reshape(e["shape"])
        args.append(int(a) if e.get("scalar") else torch.from_numpy(a.copy()))
    return args


def verify(tool, onnx_path, fixture, meta):
    sets = [""] + (["2"] if "inputs2" in meta else [])
    for s in sets:
        cmd = [tool, "verify", onnx_path, "--meta", os.path.join(fixture, "meta.json")]
        cmd += [f"--input={e['name']}={os.path.join(fixture, e['file'])}"
                for e in meta["inputs" + s]]
        cmd += [f"--expect={os.path.join(fixture, e['file'])}" for e in meta["outputs" + s]]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            lines = [l for l in (r.stdout + r.stderr).splitlines()
                     if "error" in l or "FAIL" in l or "mismatch" in l]
            why = lines[0] if lines else first_line(r.stdout + r.stderr)
            why = re.sub(r"ts2onnx verify: error: --expect '[^']*': ", "", why)
            why = re.sub(r" \(see 'ts2onnx verify --help'\)", "", why)
            return f"FAIL (set {s or '1'}): {why[:80]}"
    return "PASS"


def regroup(model, flat):
    """The flat fixture inputs as forward's arguments: a Tuple argument takes as many inputs as
    it has elements (meta.json lists tuple arguments flattened)."""
    params = model.forward.schema.arguments[1:]
    args, i = [], 0
    for p in params:
        if i >= len(flat):
            break
        if isinstance(p.type, torch.TupleType):
            n = len(p.type.elements())
            args.append(tuple(flat[i:i + n]))
            i += n
        else:
            args.append(flat[i])
            i += 1
    return args


def torch_export(fixture, meta, out, opset):
    model = torch.jit.load(os.path.join(fixture, "model.pt"))
    args = regroup(model, load_inputs(fixture, meta, "inputs"))
    names = [e["name"] for e in meta["inputs"]]
    dynamic = {k: list(v) for k, v in (meta.get("dynamic") or {}).items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(args), out, opset_version=opset, input_names=names,
                          dynamic_axes=dynamic)


def ours(tool, fixture, meta, out, opset):
    cmd = [tool, "convert", os.path.join(fixture, "model.pt"), "-o", out, "--opset", str(opset)]
    dynamic = meta.get("dynamic") or {}
    for e in meta["inputs"]:
        dims = [f"{re.sub(r'[^A-Za-z0-9_]', '_', e['name'])}_d{i}"
                if i in dynamic.get(e["name"], []) else str(d) for i, d in enumerate(e["shape"])]
        cmd += ["--input", f"{e['name']}:{e['dtype']}[{','.join(dims)}]"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return "fails: " + first_line(r.stderr)
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tool", default=os.path.join(ROOT, "build", "tools", "ts2onnx", "ts2onnx"))
    p.add_argument("--fixtures", default=os.path.join(ROOT, "fixtures"))
    p.add_argument("--work", default="/tmp/torch-export-matrix")
    p.add_argument("--opset", type=int, default=17)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rows = []
    for item, fixtures in CASES:
        for name in fixtures:
            fixture = os.path.join(a.fixtures, name)
            with open(os.path.join(fixture, "meta.json")) as f:
                meta = json.load(f)
            t_out = os.path.join(a.work, f"{name}.torch.onnx")
            o_out = os.path.join(a.work, f"{name}.ts2onnx.onnx")
            try:
                if os.path.exists(t_out):
                    os.remove(t_out)
                torch_export(fixture, meta, t_out, a.opset)
                t = verify(a.tool, t_out, fixture, meta)
            except Exception as e:  # torch raises many kinds
                t = "fails: " + first_line(f"{type(e).__name__}: {e}")
            o = ours(a.tool, fixture, meta, o_out, a.opset) or verify(a.tool, o_out, fixture, meta)
            rows.append((item, name, t, o))
            print(f"{item:<20} {name:<30} torch: {t:<50.50} ts2onnx: {o}", file=sys.stderr)
    print(f"| case | fixture | torch.onnx.export {torch.__version__} | ts2onnx |")
    print("|---|---|---|---|")
    for item, name, t, o in rows:
        print(f"| {item} | {name} | {t.replace('|', '/')} | {o.replace('|', '/')} |")
    ok_t = sum(r[2] == "PASS" for r in rows)
    ok_o = sum(r[3] == "PASS" for r in rows)
    print(f"\ntorch.onnx.export: {ok_t} of {len(rows)} pass; ts2onnx: {ok_o} of {len(rows)} pass "
          f"(opset {a.opset}, both input sets, rtol 1e-3 / atol 1e-5)")


if __name__ == "__main__":
    main()
