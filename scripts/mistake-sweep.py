#!/usr/bin/python3
"""The mistakes users make with `ts2onnx convert`, over every fixture.

    /usr/bin/python3 scripts/mistake-sweep.py BUILD/tools/ts2onnx/ts2onnx [FIXTURES_DIR]

For each fixture (inputs from its meta.json and recorded input files) it makes six mistakes:
a wrong rank (a trailing dim of 1), a wrong dtype (float <-> int64), a wrong channel/feature
size (dim 1, or the only dim, one larger), a missing input, an extra input, and a typo in a
--dynamic-axis name. torch (Debian's 1.13, hence /usr/bin/python3) runs the module on the same
mistaken inputs and is the reference: where torch raises, the conversion must exit 1 with one
line on stderr that starts with `ts2onnx convert: error:` and names the input, and must write
no model. Where torch accepts the inputs the conversion is not a mistake and is listed apart.
A --dynamic-axis typo is always a mistake (torch.onnx.export only warns about it).
A tuple argument (inputs `hx.0`, `hx.1` in the meta) is given as one `--input
'hx:(float32[..],float32[..])'` and passed to torch as a tuple; the mistakes are made on the
plain tensor arguments, and "missing input" drops the last argument whole. Fixtures whose
correct conversion fails, or that torch 1.13 cannot load, are skipped.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

NP = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int64": np.int64,
      "int32": np.int32, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}


def load_inputs(d, meta):
    args = []
    for e in meta["inputs"]:
        a = np.fromfile(os.path.join(d, e["file"]), dtype=NP[e["dtype"]]).reshape(e["shape"])
        t = torch.from_numpy(a.copy())
        args.append(t.item() if e.get("scalar") else t)
    return args


def spec(name, dtype, shape):
    return "%s:%s[%s]" % (name, dtype, ",".join(str(s) for s in shape))


def groups(meta):
    """[(argument name, indices into the flat inputs)], `hx.0`, `hx.1` making one argument."""
    out = []
    for i, e in enumerate(meta["inputs"]):
        base = e["name"].split(".")[0] if "." in e["name"] else None
        if base and out and out[-1][0] == base and out[-1][2]:
            out[-1][1].append(i)
        else:
            out.append((base or e["name"], [i], base is not None))
    return [(name, idx) for name, idx, _ in out]


def joined(meta, specs):
    """The --input flags of the flat specs: one per argument, tuples as NAME:(...)."""
    flags = []
    for name, idx in groups(meta):
        idx = [i for i in idx if i < len(specs)]
        if not idx:
            continue
        if "." in meta["inputs"][idx[0]]["name"]:
            flags.append("%s:(%s)" % (name, ",".join(specs[i].split(":", 1)[1] for i in idx)))
        else:
            flags.append(specs[idx[0]])
    flags += specs[len(meta["inputs"]):]  # an extra input
    return sum([["--input", f] for f in flags], [])


def call_args(meta, args):
    """The flat inputs as forward takes them: tuple arguments as tuples."""
    out = []
    for _, idx in groups(meta):
        idx = [i for i in idx if i < len(args)]
        if not idx:
            continue
        tup = "." in meta["inputs"][idx[0]]["name"]
        out.append(tuple(args[i] for i in idx) if tup else args[idx[0]])
    return out + list(args[len(meta["inputs"]):])


def torch_accepts(module, args):
    try:
        with torch.no_grad():
            module(*args)
        return True
    except Exception:
        return False


def mistakes(meta, args):
    """(kind, specs, torch args, extra convert flags, name the message must hold)."""
    ins = meta["inputs"]
    specs = [spec(e["name"], e["dtype"], [] if e.get("scalar") else e["shape"]) for e in ins]
    tensors = [i for i, e in enumerate(ins)
               if not e.get("scalar") and e["shape"] and "." not in e["name"]]
    out = []
    if tensors:
        i = tensors[0]
        e, t = ins[i], args[i]
        name = e["name"]
        s = list(specs)
        s[i] = spec(name, e["dtype"], e["shape"] + [1])
        a = list(args)
        a[i] = t.unsqueeze(-1)
        out.append(("wrong rank", s, a, [], name))
        other = "int64" if e["dtype"].startswith("float") else "float32"
        s = list(specs)
        s[i] = spec(name, other, e["shape"])
        a = list(args)
        a[i] = t.long() if other == "int64" else t.float()
        out.append(("wrong dtype", s, a, [], name))
        dim = 1 if len(e["shape"]) > 1 else 0
        shape = list(e["shape"])
        shape[dim] += 1
        s = list(specs)
        s[i] = spec(name, e["dtype"], shape)
        a = list(args)
        a[i] = torch.cat([t, t.narrow(dim, 0, 1)], dim)
        out.append(("wrong size", s, a, [], name))
    if ins:
        last, idx = groups(meta)[-1]
        out.append(("missing input", specs[:idx[0]], args[:idx[0]], [], last))
        out.append(("extra input", specs + ["extra:float32[1]"], args + [torch.zeros(1)], [],
                    "extra"))
        name = ins[0]["name"]
        out.append(("dynamic-axis typo", specs, None, ["--dynamic-axis", name + "_:0=batch"],
                    name + "_"))
    return out


def main():
    tool = os.path.abspath(sys.argv[1])
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
    work = tempfile.mkdtemp(prefix="ts2onnx-sweep.")
    total = good = accepted = skipped = 0
    failures = []
    for d in sorted(glob.glob(os.path.join(root, "*", "meta.json"))):
        d = os.path.dirname(d)
        fixture = os.path.basename(d)
        meta = json.load(open(os.path.join(d, "meta.json")))
        if any(e["name"].count(".") > 1 for e in meta["inputs"]):
            skipped += 1
            continue
        model = os.path.join(d, "model.pt")
        out = os.path.join(work, fixture + ".onnx")
        specs = [spec(e["name"], e["dtype"], [] if e.get("scalar") else e["shape"])
                 for e in meta["inputs"]]
        base = [tool, "convert", model, "-o", out]
        r = subprocess.run(base + joined(meta, specs), capture_output=True, text=True)
        if r.returncode != 0:
            skipped += 1
            continue
        os.remove(out)
        try:
            module = torch.jit.load(model)
        except Exception:  # archives torch 1.13 cannot load (legacy formats): no reference
            skipped += 1
            continue
        args = load_inputs(d, meta)
        for kind, s, a, flags, name in mistakes(meta, args):
            if a is not None and torch_accepts(module, call_args(meta, a)):
                accepted += 1
                continue
            total += 1
            r = subprocess.run(base + joined(meta, s) + flags, capture_output=True, text=True)
            lines = r.stderr.splitlines()
            ok = (r.returncode == 1 and len(lines) == 1 and
                  lines[0].startswith("ts2onnx convert: error:") and
                  any(form % name in lines[0] for form in ("'%s'", "'%s:", " %s:", "(%s)")) and
                  not os.path.exists(out))
            if ok:
                good += 1
            else:
                failures.append("%s / %s: exit %d: %s" % (fixture, kind, r.returncode,
                                                          r.stderr.strip()[:300]))
            if os.path.exists(out):
                os.remove(out)
    for f in failures:
        print("FAIL", f)
    print("%d of %d mistakes: exit 1, one line naming the input, no model written" % (good, total))
    print("(%d mistaken inputs torch itself accepts, not counted; %d fixtures skipped)" %
          (accepted, skipped))
    return 0 if good == total else 1


if __name__ == "__main__":
    sys.exit(main())
