#!/usr/bin/env bash
# Converts old-style goldens (`tests/golden/<name>.txt` starting with `# RUN: opt <args>`, with
# `<name>.expected` and maybe `<name>.stderr.expected` beside it) into one lit test file whose
# cases are the inputs in the order given, each with its whole expected output as `CHECK-FULL:`
# lines (and stderr as `ERR-FULL:`). All inputs must have the same RUN arguments.
#
#   scripts/golden-to-lit.sh tests/lit/passes/cse.test tests/golden/cse_*.txt
#
# Then replace the FULL lines by CHECK lines for what each case is about (docs/testing.md), or
# keep them where the whole printout is the point.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 OUT.test IN.txt..." >&2
  exit 2
fi
out=$1
shift

args=""
stderr_mode=""
for f in "$@"; do
  first=$(head -n1 "$f")
  if [[ ! $first =~ ^"# RUN: opt"(.*)$ ]]; then
    echo "$f: the first line is not '# RUN: opt <args>'" >&2
    exit 1
  fi
  a=${BASH_REMATCH[1]}
  if [[ -n $args && $a != "$args" ]]; then
    echo "$f: RUN arguments '$a' differ from '$args' (put it in another file)" >&2
    exit 1
  fi
  args=$a
  has_err=no
  [[ -f ${f%.txt}.stderr.expected ]] && has_err=yes
  if [[ -n $stderr_mode && $has_err != "$stderr_mode" ]]; then
    echo "$f: only some inputs have a .stderr.expected (put them in another file)" >&2
    exit 1
  fi
  stderr_mode=$has_err
done

mkdir -p "$(dirname "$out")"
{
  echo "# RUN: ts2onnx opt %s${args} --verify-each"
  if [[ $stderr_mode == yes ]]; then
    echo "# RUN: ts2onnx opt %s${args} --verify-each 2>&1 >/dev/null | FileCheck --check-prefix=ERR"
  fi
  sep=""
  for f in "$@"; do
    [[ -n $sep ]] && printf '\n# -----\n'
    sep=yes
    echo
    # The old header's comment lines (after RUN) describe the case; the rest is the input IR.
    awk 'NR == 1 { next } header && /^#/ { print; next } { header = 0; print }' header=1 "$f"
    while IFS= read -r line || [[ -n $line ]]; do
      if [[ -z $line ]]; then echo "# CHECK-FULL:"; else echo "# CHECK-FULL: $line"; fi
    done <"${f%.txt}.expected"
    if [[ $stderr_mode == yes ]]; then
      while IFS= read -r line || [[ -n $line ]]; do
        if [[ -z $line ]]; then echo "# ERR-FULL:"; else echo "# ERR-FULL: $line"; fi
      done <"${f%.txt}.stderr.expected"
    fi
  done
} >"$out"
echo "wrote $out ($# case(s))"
