#!/usr/bin/env bash
# Prints the README's command-line reference: for every command of the tool, a Markdown table with
# one row per flag, taken from `ts2onnx <command> --help` (so the table is complete by
# construction; tests/docs checks that the README's table lists every flag).
# Usage: scripts/cli-reference.sh [--update|--check README.md] [TOOL]
#   (TOOL defaults to build/tools/ts2onnx/ts2onnx). With --update the tables replace the README's
#   (between the "## Command-line reference" paragraph and the next "## " heading); with --check
#   it exits 1 and prints a diff when the README's tables differ from the tool's help.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode="" readme=""
if [[ ${1:-} == --update || ${1:-} == --check ]]; then
  mode=$1 readme=$2
  shift 2
fi
tool=${1:-${BUILD_DIR:-$root/build}/tools/ts2onnx/ts2onnx}
if [[ -n $mode ]]; then
  tables=$(mktemp)
  trap 'rm -f "$tables" "$tables.new"' EXIT
  "$0" "$tool" >"$tables"
  # The README with its tables replaced: the reference section keeps its heading and first
  # paragraph (up to the blank line after "regenerates them"), then the tables, then the rest.
  awk -v tables="$tables" '
    /^## Command-line reference/ { sec = 1 }
    sec == 1 && /regenerates them/ { print; while ((getline l < tables) > 0) print l; sec = 2; next }
    sec == 2 && /^## / { print ""; sec = 3 }
    sec == 2 { next }
    { print }' "$readme" >"$tables.new"
  if [[ $mode == --update ]]; then
    cp "$tables.new" "$readme"
  elif ! diff -u "$readme" "$tables.new"; then
    echo "cli-reference: $readme's command-line reference differs from the tool's --help" \
         "(scripts/cli-reference.sh --update $readme rewrites it)" >&2
    exit 1
  fi
  exit 0
fi
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
