#!/usr/bin/env bash
# The torchvision classification acceptance sweep (issue 5). Not run in CI: it needs torch.
#
# Generates the classification models (random weights, eval; traced, and scripted where torch
# can script them) with /usr/bin/python3 into a temporary directory, with a fixed-seed input at
# batch 1 and 4 and torch's outputs for both; converts each archive at opsets 11, 13 and 17 with
# `x:float32[batch,3,224,224]`; checks both batches in onnxruntime (`ts2onnx verify`, rtol 1e-3,
# atol 1e-5); and counts the nodes of torch.onnx.export's model of the same traced archive with
# the same dynamic batch. Prints one row per model, kind and opset.
#
#   scripts/torchvision-sweep.sh [BUILD_DIR] [MODEL...]
#
# Environment: PYTHON (default /usr/bin/python3), WORK (default a fresh temp dir, kept),
# OPSETS (default "11 13 17").
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shift || true
tool=$build/tools/ts2onnx/ts2onnx
python=${PYTHON:-/usr/bin/python3}
work=${WORK:-$(mktemp -d /tmp/tv-sweep.XXXXXX)}
opsets=${OPSETS:-11 13 17}
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(alexnet vgg11 resnet18 resnet50 squeezenet1_1 densenet121 mobilenet_v2
          mobilenet_v3_small shufflenet_v2_x1_0 mnasnet1_0 efficientnet_b0 regnet_y_400mf
          convnext_tiny googlenet inception_v3)
fi
[ -x "$tool" ] || { echo "no ts2onnx at $tool (build first)" >&2; exit 2; }
mkdir -p "$work"
export TS2ONNX_ORT_DIR=${TS2ONNX_ORT_DIR:-$build/node}

# One directory per model and kind: model.pt, in1.bin, in4.bin, out1_K.bin, out4_K.bin,
# nouts (count of tensor outputs), torch_OPSET.onnx (torch.onnx.export's, traced only) or
# error.txt. Node counts come from `ts2onnx inspect` (Debian's python has no onnx module).
"$python" - "$work" "$opsets" "${models[@]}" <<'EOF'
import os, sys, time, warnings
import torch, torchvision
warnings.filterwarnings("ignore")
work, opsets, names = sys.argv[1], [int(o) for o in sys.argv[2].split()], sys.argv[3:]
torch.set_grad_enabled(False)

def flat(o):
    if isinstance(o, torch.Tensor):
        return [o]
    if isinstance(o, (tuple, list)):
        return [t for x in o for t in flat(x)]
    return []  # None (absent aux logits)

for name in names:
    torch.manual_seed(0)
    kw = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
    m = getattr(torchvision.models, name)(weights=None, **kw).eval()
    g = torch.Generator().manual_seed(1)
    x1 = torch.rand(1, 3, 224, 224, generator=g)
    x4 = torch.rand(4, 3, 224, 224, generator=g)
    for kind in ("traced", "scripted"):
        d = os.path.join(work, f"{name}_{kind}")
        os.makedirs(d, exist_ok=True)
        try:
            sm = torch.jit.trace(m, x1) if kind == "traced" else torch.jit.script(m)
            sm.save(os.path.join(d, "model.pt"))
            sm = torch.jit.load(os.path.join(d, "model.pt")).eval()
            for b, x in ((1, x1), (4, x4)):
                x.numpy().tofile(os.path.join(d, f"in{b}.bin"))
                outs = flat(sm(x))
                for k, o in enumerate(outs):
                    o.contiguous().numpy().tofile(os.path.join(d, f"out{b}_{k}.bin"))
            open(os.path.join(d, "nouts"), "w").write(str(len(outs)))
            if kind == "traced":
                for op in opsets:
                    try:
                        torch.onnx.export(sm, (x1,), os.path.join(d, f"torch_{op}.onnx"),
                                          opset_version=op, input_names=["x"],
                                          dynamic_axes={"x": {0: "batch"}})
                    except Exception as e:
                        print(f"{name}: torch.onnx.export at opset {op} failed: {e}",
                              file=sys.stderr)
        except Exception as e:
            open(os.path.join(d, "error.txt"), "w").write(str(e).strip().splitlines()[0][:200])
        print(f"generated {name} {kind}", file=sys.stderr)
EOF

printf '%-20s %-8s %-5s %-6s %-8s %-8s %-18s %s\n' model kind opset result seconds nodes torch_nodes note
# seconds: ts2onnx convert plus verify at batch 1 and 4 (onnxruntime startup included)
for name in "${models[@]}"; do
  for kind in traced scripted; do
    d=$work/${name}_$kind
    if [ -f "$d/error.txt" ]; then
      printf '%-20s %-8s %-5s %-6s %-8s %-8s %-18s %s\n' "$name" "$kind" - n/a - - - \
        "torch: $(cat "$d/error.txt")"
      continue
    fi
    nouts=$(cat "$d/nouts")
    for op in $opsets; do
      onnx=$d/ours_$op.onnx
      start=$(date +%s.%N)
      note=""
      result=FAIL
      nodes=-
      if conv=$("$tool" convert "$d/model.pt" -o "$onnx" --opset "$op" \
                  --input 'x:float32[batch,3,224,224]' 2>&1); then
        nodes=$(echo "$conv" | sed -n 's/.*(opset [0-9]*, \([0-9]*\) nodes.*/\1/p')
        result=PASS
        for b in 1 4; do
          expects=()
          for ((k = 0; k < nouts; k++)); do expects+=(--expect "$d/out${b}_$k.bin"); done
          if ! v=$("$tool" verify "$onnx" --scale-atol --input "x=$d/in$b.bin:$b,3,224,224" "${expects[@]}" 2>&1); then
            result=FAIL
            note="$note batch $b: $(echo "$v" | grep -m1 -E 'FAIL|error' | tr -s ' ' | cut -c1-120)"
          fi
        done
      else
        note=$(echo "$conv" | tail -1 | cut -c1-160)
      fi
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      torch=-
      if [ -f "$d/torch_$op.onnx" ]; then
        ins=$("$tool" inspect "$d/torch_$op.onnx")
        torch="$(echo "$ins" | sed -n 's/^nodes: //p') ($(echo "$ins" |
          awk '$1 == "Identity" {print $2}' | grep . || echo 0) Identity)"
      fi
      printf '%-20s %-8s %-5s %-6s %-8.1f %-8s %-18s %s\n' "$name" "$kind" "$op" "$result" \
        "$secs" "$nodes" "$torch" "$note"
      rm -f "$onnx"
    done
  done
done
echo "archives and data: $work" >&2
