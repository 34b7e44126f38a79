#!/usr/bin/env bash
# One case of the --report tests: report_test.sh CASE TOOL FIXTURES WORK
set -euo pipefail
case=$1 tool=$2 fixtures=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -qF -- "$1" "$2" || fail "$2 lacks: $1"; }
lacks() { ! grep -qF -- "$1" "$2" || fail "$2 should not contain: $1"; }
sections=(summary pipeline diffs graphs warnings signature initializers)
convert_if_loop() { # scripted control flow: If and Loop blocks, an int64 scalar input
  "$tool" convert "$fixtures/if_loop/model.pt" -o "$work/m.onnx" --opset 17 \
    --input 'x:float32[3,6]' --input 'n:int64[]' --report "$work/report.html" "$@"
}
case $case in
sections)
  command -v dot >/dev/null || { echo "SKIPPED: Graphviz dot is not installed" >&2; exit 77; }
  convert_if_loop
  r=$work/report.html
  for s in "${sections[@]}"; do has "<section id=\"$s\">" "$r"; done
  # The conversion's phases, in order, each with its time.
  grep -qE '^<tr><th>Phases</th><td>read archive [^<]*: [0-9.]+ ms; compile [^<]*: [0-9.]+ ms; passes: [0-9.]+ ms; emit ONNX[^<]*: [0-9.]+ ms; write: [0-9.]+ ms</td></tr>$' "$r" \
    || fail "no phases row in the summary: $(grep -F '<th>Phases' "$r" || true)"
  # The pipeline table: one row per pass the pipeline ran (counted independently by --time-passes).
  "$tool" convert "$fixtures/if_loop/model.pt" -o "$work/m2.onnx" --opset 17 \
    --input 'x:float32[3,6]' --input 'n:int64[]' --time-passes 2> "$work/time.txt"
  # (the pass table only: the conversion's phase table follows it)
  passes=$(sed '/Conversion phase timing report/q' "$work/time.txt" |
    grep -cE '^ +[0-9.]+ \( *[0-9.]+%\) +[a-z-]+$' || true)
  rows=$(grep -c '^<tr><td class="n">' "$r" || true)
  [ "$passes" -gt 5 ] || fail "could not count the passes in --time-passes: $(cat "$work/time.txt")"
  [ "$rows" = "$passes" ] || fail "$rows pipeline rows, $passes passes"
  has '<details id="pass-' "$r"
  has '<span class="add">+' "$r"
  # The IR's `<Tensor>` and `->` are escaped, never raw markup.
  has '&lt;Tensor&gt;' "$r"
  lacks '=<Tensor>' "$r"
  # Both graphs drawn by dot, with the If/Loop blocks as clusters.
  [ "$(grep -c '<svg' "$r")" = 2 ] || fail "expected 2 drawings"
  has 'class="cluster"' "$r"
  # Signature and initializers come from the written model.
  has '<td><code>x</code></td><td><code>float32[3,6]</code></td>' "$r"
  has '<td><code>n</code></td><td><code>int64[]</code></td>' "$r"
  ;;
warnings)
  # A traced archive that froze a size into a constant: convert warns, naming the source line.
  "$tool" convert "$fixtures/baked_view_traced/model.pt" -o "$work/m.onnx" \
    --input 'x:float32[batch,3,4]' --report "$work/report.html" 2> "$work/stderr.txt"
  w=$(grep -m1 -i 'warning' "$work/stderr.txt") || fail "no warning on stderr: $(cat "$work/stderr.txt")"
  esc=$(printf '%s' "$w" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e "s/'/\&#39;/g" -e 's/"/\&quot;/g')
  has "<code>$esc</code>" "$work/report.html"
  has '<h2>Warnings (1)</h2>' "$work/report.html"
  has '<tr><td>warn-frozen-shapes</td>' "$work/report.html"
  ;;
no-dot)
  TS2ONNX_DOT=/nonexistent/dot convert_if_loop
  has 'Graphviz `/nonexistent/dot` was not found' "$work/report.html"
  has '<summary>Graphviz source</summary><pre>digraph &quot;before&quot;' "$work/report.html"
  lacks '<svg' "$work/report.html"
  ;;
failed)
  # Opset 9 cannot express this model's index_put (a list of indices): the conversion fails in
  # to-onnx, the page says so in the summary and in the pass's row, and no model is written.
  if "$tool" convert "$fixtures/index_put_scripted/model.pt" -o "$work/m.onnx" --opset 9 \
    --input 'x:float32[4,3]' --input 'i:int64[4]' --input 'j:int64[4]' --input 'u:int64[4]' \
    --input 'v:float32[4,3]' --input 'w:float32[4]' --report "$work/report.html" \
    2> "$work/stderr.txt"; then fail "opset 9 converted"; fi
  err=$(sed -n 's/^ts2onnx convert: error: //p' "$work/stderr.txt")
  [ -n "$err" ] || fail "no error line: $(cat "$work/stderr.txt")"
  esc=$(printf '%s' "$err" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e "s/'/\&#39;/g" -e 's/"/\&quot;/g')
  has "<p class=\"err\">$esc</p>" "$work/report.html"
  grep -qE '^<tr class="err">.*>to-onnx<.*<td>failed</td>' "$work/report.html" \
    || fail "no failed row for to-onnx in the pipeline table"
  has 'No model was written.' "$work/report.html"
  # The phases reached: the passes (where it failed), none after them.
  grep -qE '^<tr><th>Phases</th><td>read archive [^<]*; passes: [0-9.]+ ms</td></tr>$' \
    "$work/report.html" || fail "phases: $(grep -F '<th>Phases' "$work/report.html" || true)"
  [ ! -e "$work/m.onnx" ] || fail "a model was written"
  ;;
chromium)
  browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  if [ -z "$browser" ]; then
    echo "SKIPPED: chromium is not installed (scripts/install-deps.sh installs it)" >&2
    exit 77
  fi
  command -v dot >/dev/null || { echo "SKIPPED: Graphviz dot is not installed" >&2; exit 77; }
  convert_if_loop
  flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile"
         --allow-file-access-from-files)
  timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$work/report.html" \
    > "$work/dom.html" 2> "$work/chromium.log" || fail "chromium --dump-dom: $(tail -5 "$work/chromium.log")"
  # The DOM Chromium built: every section, both drawings, the diffs as <details>.
  for s in "${sections[@]}"; do has "<section id=\"$s\">" "$work/dom.html"; done
  [ "$(grep -o '<svg' "$work/dom.html" | wc -l)" -ge 2 ] || fail "the DOM has fewer than 2 svg"
  has '<details id="pass-' "$work/dom.html"
  has '</html>' "$work/dom.html"
  timeout 120 "$browser" "${flags[@]}" --window-size=1280,2400 --hide-scrollbars \
    --screenshot="$work/report.png" "file://$work/report.html" 2>> "$work/chromium.log" \
    || fail "chromium --screenshot: $(tail -5 "$work/chromium.log")"
  size=$(stat -c %s "$work/report.png")
  [ "$size" -gt 20000 ] || fail "screenshot of $size bytes: nothing rendered?"
  echo "rendered: $work/report.png ($size bytes)"
  ;;
*) fail "unknown case $case" ;;
esac
echo "PASS report.$case"
