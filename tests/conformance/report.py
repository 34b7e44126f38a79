#!/usr/bin/env python3
"""Prints the conformance suite's table by op family, against torch.onnx.export, from the
committed files (cases.jsonl and expected-opsetN.txt; no build needed):

    python3 tests/conformance/report.py [--suite torch-1.13] [--opset 17] [--family F]
                                        [--torch-only] [--reasons N]

"torch" is torch.onnx.export of the same archive at opset 17 in onnxruntime, as the generator
recorded it; "ts2onnx" is the expectations file of the opset asked for (regenerate it with
update.sh first if the build changed). --torch-only lists the cases torch passes and ts2onnx
does not, with ts2onnx's reason; --reasons N prints the N most common refusal reasons.
"""
import argparse
import collections
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def reason_key(status):
    """The refusal reason without the case-specific source location."""
    text = re.sub(r"^refused: (pass '[^']+' failed: )?", "", status)
    text = re.sub(r"\S+\.pt:code/\S+?:\d+:\d+: error: ", "", text)
    text = re.sub(r"--input \S+", "--input ...", text)
    m = re.match(r"(aten::\w+|prim::\w+) has no ONNX symbolic", text)
    if m:
        return m.group(0)
    return text[:110]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="torch-1.13")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--family")
    parser.add_argument("--torch-only", action="store_true")
    parser.add_argument("--reasons", type=int, default=0)
    args = parser.parse_args()
    suite = os.path.join(HERE, args.suite)
    cases = [json.loads(line) for line in open(os.path.join(suite, "cases.jsonl"))]
    ours = {}
    for line in open(os.path.join(suite, f"expected-opset{args.opset}.txt")):
        if not line.startswith("#") and "\t" in line:
            cid, status = line.rstrip("\n").split("\t", 1)
            ours[cid] = status
    rows = collections.defaultdict(collections.Counter)
    torch_only, reasons = [], collections.Counter()
    for c in cases:
        if args.family and c["family"] != args.family:
            continue
        fam = c["family"]
        mine = ours.get(c["id"], "missing")
        theirs = c.get("torch_onnx17", "unknown")
        r = rows[fam]
        r["cases"] += 1
        r["torch"] += theirs == "pass"
        r["ts2onnx"] += mine == "pass"
        r["both"] += mine == "pass" and theirs == "pass"
        r["torch only"] += theirs == "pass" and mine != "pass"
        r["ts2onnx only"] += mine == "pass" and theirs != "pass"
        r["torch wrong"] += theirs.startswith("mismatch")
        r["ts2onnx wrong"] += mine.startswith(("mismatch", "crash"))
        if theirs == "pass" and mine != "pass":
            torch_only.append((c["id"], mine))
        if mine != "pass":
            reasons[reason_key(mine)] += 1
    cols = ["cases", "torch", "ts2onnx", "both", "torch only", "ts2onnx only", "torch wrong",
            "ts2onnx wrong"]
    print(f"suite {args.suite}, ts2onnx at opset {args.opset}, torch.onnx.export at opset 17 "
          f"({'torch ' + cases[0]['torch_version'] if cases else ''})")
    print(f"{'family':<12}" + "".join(f"{c:>14}" for c in cols))
    total = collections.Counter()
    for fam in sorted(rows):
        total.update(rows[fam])
        print(f"{fam:<12}" + "".join(f"{rows[fam][c]:>14}" for c in cols))
    print(f"{'total':<12}" + "".join(f"{total[c]:>14}" for c in cols))
    if args.torch_only:
        print(f"\ncases torch passes and ts2onnx does not ({len(torch_only)}):")
        for cid, status in torch_only:
            print(f"  {cid}: {status[:150]}")
    if args.reasons:
        print(f"\nmost common reasons a case does not pass:")
        for reason, n in reasons.most_common(args.reasons):
            print(f"  {n:5}  {reason}")


if __name__ == "__main__":
    main()
