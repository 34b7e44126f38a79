#!/usr/bin/env python3
"""Writes schemas.txt and schemas_extra.txt: every operator schema known to torch's JIT, from two
torch installations given by their interpreters (the script itself needs no torch).

Run by hand (never in CI):

    python3 frontend/schema/generate_schemas.py \
        --base /usr/bin/python3 --newer /opt/venv-torch2/bin/python

`--base` is the torch the table was first made from (Debian's torch 1.13.1 + torchvision 0.14.1),
`--newer` a current one (torch 2.9.1 + torchvision 0.24.1 from PyPI). Each interpreter is run with
`--dump`, which prints str(schema) of every schema of torch._C._jit_get_all_schemas() (after
`import torchvision`, so that torchvision:: ops are registered), grouped by qualified operator name,
the overloads of one operator in torch's registration order: the order torch's schema matching
tries them in (checked against torch._C._jit_get_schemas_for_operator). Custom-class method schemas
are not included (they are reached through the class type, not by name).

* schemas.txt: the base torch's schemas, sorted by operator name. An overload (name.overload) whose
  newer form accepts every call of the base form with the same meaning (it only appends arguments
  that have defaults, adds keyword-only arguments with defaults, gives a required argument a
  default, makes a type optional or widens int/float to Scalar) is written in the newer form, in the base
  form's place, preceded by a comment `# <base version>: <base form>`: archives of both eras bind.
  Overloads that changed in any other way (renamed or reordered arguments, changed returns, as in
  c10d::*, aten::_scaled_dot_product_attention_math, aten::batch_norm_backward_elemt) keep the base
  form; they are counted in the header. Differences that are only printing (SymInt vs int,
  `int[2] stride=1` vs `stride=[1, 1]`) keep the base form.
* schemas_extra.txt: the overloads of the newer torch that the base lacks, grouped by operator name,
  in the newer torch's registration order. The registry appends them after the base overloads of the
  same operator, so a base archive's calls resolve as before.

The build embeds both files into the library (Schema.cmake). Lines starting with '#' are comments.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def dump():
    import torch

    try:
        import torchvision  # noqa: F401  (registers torchvision:: ops)

        tv = torchvision.__version__
    except ImportError:
        tv = None
    ops = {}
    for s in torch._C._jit_get_all_schemas():
        ops.setdefault(s.name, []).append(str(s))
    for name, lines in ops.items():
        expected = [str(s) for s in torch._C._jit_get_schemas_for_operator(name)]
        if expected != lines:
            sys.exit(f"registration order of {name} differs from _jit_get_schemas_for_operator")
        for line in lines:
            if "\n" in line:
                sys.exit(f"schema with a newline: {line!r}")
    version = "torch " + torch.__version__ + (f", torchvision {tv}" if tv else "")
    json.dump({"version": version, "short": torch.__version__.split("+")[0], "ops": ops},
              sys.stdout)


def load(python):
    out = subprocess.run([python, os.path.abspath(__file__), "--dump"], check=True,
                         stdout=subprocess.PIPE).stdout
    return json.loads(out)


def key_of(schema):
    return schema.split("(", 1)[0]


def split_schema(schema):
    """'ns::op.ov(a, b=[1, 2], *, c) -> R' -> (['a', 'b=[1, 2]', '*', 'c'], 'R')."""
    inner = schema[schema.index("(") + 1:]
    depth, args, cur = 0, [], ""
    for i, c in enumerate(inner):
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                rest = inner[i + 1:].strip()
                break
            depth -= 1
        elif c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        cur += c
    if cur.strip():
        args.append(cur.strip())
    return args, rest


ARG_RE = re.compile(r"^(.*?) (\w+)(?:=(.*))?$")


def parse_arg(arg):
    """'SymInt[2] stride=[1, 1]' -> ('int[2]', 'stride', '1'): type without SymInt and alias
    annotations, name, default with a repeated fixed-size list written as its element."""
    if arg == "*":
        return ("*", None, None)
    m = ARG_RE.match(arg)
    t, n, d = m.groups()
    t = re.sub(r"\([a-z]!?\)", "", t.replace("SymInt", "int"))
    fixed = re.match(r"int\[(\d+)\]", t)
    if d is not None and fixed and d.startswith("["):
        vals = [v.strip() for v in d[1:-1].split(",")]
        if len(vals) == int(fixed.group(1)) and len(set(vals)) == 1:
            d = vals[0]
    return (t, n, d)


def accepts(old_type, new_type):
    """Every value of old_type binds to new_type with the same meaning."""
    if old_type == new_type or new_type == old_type + "?":
        return True
    optional = old_type.endswith("?")
    widened = old_type.rstrip("?") in ("int", "float") and new_type.rstrip("?") == "Scalar"
    return widened and (new_type.endswith("?") or not optional)


def returns_key(rest):
    return re.sub(r"\([a-z]!?\)", "", rest.replace("SymInt", "int"))


def compare(old, new):
    """'same' (printing only), 'superset' (new binds every old call alike) or 'changed'."""
    oa, orest = split_schema(old)
    na, nrest = split_schema(new)
    o = [parse_arg(a) for a in oa]
    n = [parse_arg(a) for a in na]
    if o == n and returns_key(orest) == returns_key(nrest):
        return "same"
    if re.sub(r"\b_\d+\b", "", returns_key(orest)) != re.sub(r"\b_\d+\b", "", returns_key(nrest)):
        return "changed"

    def parts(args):
        if ("*", None, None) in args:
            i = args.index(("*", None, None))
            return args[:i], args[i + 1:]
        return args, []

    opos, okw = parts(o)
    npos, nkw = parts(n)
    if len(npos) < len(opos):
        return "changed"
    for (ot, on, od), (nt, nn, nd) in zip(opos, npos):
        if on != nn or (od is not None and od != nd) or not accepts(ot, nt):
            return "changed"
    if any(d is None for _, _, d in npos[len(opos):]):
        return "changed"
    nkw_by_name = {a[1]: a for a in nkw}
    for ot, on, od in okw:
        a = nkw_by_name.get(on)
        if a is None or (od is not None and a[2] != od) or not accepts(ot, a[0]):
            return "changed"
    if any(d is None for _, nm, d in nkw if nm not in {a[1] for a in okw}):
        return "changed"
    return "superset"


def main():
    if "--dump" in sys.argv[1:]:
        dump()
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="/usr/bin/python3",
                    help="interpreter of the base torch (default %(default)s, Debian's 1.13)")
    ap.add_argument("--newer", default="/opt/venv-torch2/bin/python",
                    help="interpreter of the newer torch (default %(default)s)")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))

    base, newer = load(args.base), load(args.newer)
    base_keys = {key_of(s) for lines in base["ops"].values() for s in lines}
    newer_by_key = {key_of(s): s for lines in newer["ops"].values() for s in lines}

    counts = {"same": 0, "superset": 0, "changed": 0}
    changed = []
    with open(os.path.join(here, "schemas.txt"), "w", newline="\n") as f:
        f.write(f"# Generated by frontend/schema/generate_schemas.py from {base['version']}. "
                "Do not edit.\n")
        f.write("# Sorted by operator name; overloads of one operator in torch's registration "
                "order.\n")
        body = []
        for name in sorted(base["ops"]):
            for line in base["ops"][name]:
                other = newer_by_key.get(key_of(line))
                if other is not None and other != line:
                    kind = compare(line, other)
                    counts[kind] += 1
                    if kind == "superset":
                        body.append(f"# {base['short']}: {line}")
                        line = other
                    elif kind == "changed":
                        changed.append(key_of(line))
                body.append(line)
        f.write(f"# {counts['superset']} overloads are in the form of {newer['version']}, which "
                f"binds every call of the {base['short']} form alike (the {base['short']} form in "
                f"the comment above each); {counts['changed']} that changed incompatibly keep "
                f"the {base['short']} form.\n")
        f.write("\n".join(body) + "\n")

    extra, extra_count = [], 0
    for name in sorted(newer["ops"]):
        for line in newer["ops"][name]:
            if key_of(line) not in base_keys:
                extra.append(line)
    with open(os.path.join(here, "schemas_extra.txt"), "w", newline="\n") as f:
        f.write(f"# Generated by frontend/schema/generate_schemas.py from {newer['version']}. "
                "Do not edit.\n")
        f.write(f"# Overloads (name.overload) that {base['version']} lacks, sorted by operator "
                "name, overloads in torch's registration order.\n")
        f.write("\n".join(extra) + "\n")
    print(f"schemas.txt: {sum(len(v) for v in base['ops'].values())} schemas of "
          f"{len(base['ops'])} operators ({base['version']}); {counts['superset']} in the newer "
          f"form, {counts['same']} differing only in printing, {counts['changed']} changed "
          f"incompatibly (kept): {' '.join(changed)}", file=sys.stderr)
    print(f"schemas_extra.txt: {len(extra)} overloads new in {newer['version']}", file=sys.stderr)


if __name__ == "__main__":
    main()
