#!/usr/bin/env python3
"""Prints the model suite's table by family, ts2onnx against torch.onnx.export, from a suite
directory's cases.jsonl and expected-opsetN.txt (no build needed):

    python3 tests/models/report.py [--dir tests/models/ci-torch-2.9] [--opset 17] [--models]

"torch" is torch.onnx.export (opset 17) of the same archive in onnxruntime, as the generator
recorded it; "ts2onnx" is the expectations file of the opset asked for. --models lists every
case with both statuses.
"""
import argparse
import collections
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=os.path.join(HERE, "ci-torch-2.9"))
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--models", action="store_true")
    args = parser.parse_args()
    cases = [json.loads(line) for line in open(os.path.join(args.dir, "cases.jsonl"))]
    ours = {}
    path = os.path.join(args.dir, f"expected-opset{args.opset}.txt")
    for line in open(path):
        if not line.startswith("#") and "\t" in line:
            cid, status = line.rstrip("\n").split("\t", 1)
            ours[cid] = status
    rows = collections.defaultdict(collections.Counter)
    for c in cases:
        mine, theirs = ours.get(c["id"], "missing"), c.get("torch_onnx17", "unknown")
        r = rows[c["family"]]
        r["cases"] += 1
        r["torch"] += theirs == "pass"
        r["ts2onnx"] += mine == "pass"
        r["both"] += mine == "pass" and theirs == "pass"
        r["torch only"] += theirs == "pass" and mine != "pass"
        r["torch wrong"] += theirs.startswith(("mismatch", "onnxruntime"))
        r["ts2onnx wrong"] += mine.startswith(("mismatch", "crash", "onnxruntime"))
    cols = ["cases", "torch", "ts2onnx", "both", "torch only", "torch wrong", "ts2onnx wrong"]
    version = cases[0]["torch_version"] if cases else "?"
    print(f"{os.path.basename(os.path.normpath(args.dir))} (torch {version}): ts2onnx at opset "
          f"{args.opset}, torch.onnx.export at opset 17")
    print(f"{'family':<16}" + "".join(f"{c:>14}" for c in cols))
    total = collections.Counter()
    for fam in sorted(rows):
        total.update(rows[fam])
        print(f"{fam:<16}" + "".join(f"{rows[fam][c]:>14}" for c in cols))
    print(f"{'total':<16}" + "".join(f"{total[c]:>14}" for c in cols))
    if args.models:
        for c in cases:
            print(f"  {c['id']}\n    ts2onnx: {ours.get(c['id'], 'missing')[:160]}\n"
                  f"    torch:   {c.get('torch_onnx17', 'unknown')[:160]}")


if __name__ == "__main__":
    main()
