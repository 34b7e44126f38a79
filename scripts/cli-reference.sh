#!/usr/bin/env bash
# Prints the README's command-line reference: for every command of the tool, a Markdown table with
# one row per flag, taken from `ts2onnx <command> --help` (so the table is complete by
# construction; tests/docs checks that the README's table lists every flag).
# Usage: scripts/cli-reference.sh [TOOL]   (default build/tools/ts2onnx/ts2onnx)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool=${1:-${BUILD_DIR:-$root/build}/tools/ts2onnx/ts2onnx}
commands=$("$tool" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
for cmd in $commands; do
  usage=$("$tool" "$cmd" --help | sed -n 's/^Usage: //p' | head -1)
  printf '\n**`%s`**\n\n| flag | meaning |\n|---|---|\n' "$usage"
  "$tool" "$cmd" --help | awk '
    function flush() {
      if (flag != "") {
        gsub(/\|/, "\\|", desc); gsub(/\|/, "\\|", flag)
        printf "| `%s` | %s |\n", flag, desc
      }
      flag = ""; desc = ""
    }
    /^Options:/ { on = 1; next }
    /^[A-Z][a-z]*:$/ { flush(); on = 0; next }
    !on { next }
    /^  -/ {
      flush()
      line = substr($0, 3)
      i = match(line, /   */)
      if (i) { flag = substr(line, 1, i - 1); desc = substr(line, i + RLENGTH) }
      else { flag = line }
      next
    }
    /^ +/ { sub(/^ +/, ""); desc = desc (desc == "" ? "" : " ") $0; next }
    /./ { desc = desc " " $0 }
    END { flush() }'
done
