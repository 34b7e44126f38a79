#!/usr/bin/env python3
"""Generates ts2onnx's conformance suite from torch's own test databases.

Dev-time only (never in CI). Run with the interpreter whose torch makes the set, e.g. Debian's
torch 1.13 (`/usr/bin/python3`; its test modules need `expecttest`, see README.md):

    PYTHONPATH=/path/with/expecttest /usr/bin/python3 tests/conformance/generate.py \
        --out tests/conformance/torch-1.13 --ort-python /opt/venv-torch2/bin/python

Sources:
  * `op_db` (torch.testing._internal.common_methods_invocations): every OpInfo's function
    variant with CPU float32 samples (several per op, chosen to differ in ranks, 0-d inputs,
    keyword arguments and negative ints), one int64 and one bool sample where the op takes them.
    Tensors anywhere in the sample (input, args, kwargs, tensor lists) become separate inputs of a
    traced module; everything else is baked in as torch's tracer does.
  * common_nn's module and criterion tests: the module in eval mode, traced, and scripted where
    torch scripts it.

Per case it writes `<id>.pt` (the archive) and `<id>.bin` (inputs then torch's outputs, raw
little-endian, as `cases.jsonl` lays out), computed by the *loaded* archive, so the expected
values are what the archive computes. With --ort-python it also runs torch.onnx.export on the
same archive (opset 17) and checks that model in onnxruntime (rtol 1e-3, atol 1e-5; the Python
given must have onnxruntime and numpy), recording `torch_onnx17` per case.
"""
import argparse
import inspect
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import warnings

MAX_ELEMENTS = 4096  # all inputs and outputs of one case together
RTOL, ATOL = 1e-3, 1e-5

# Ops whose results are random, uninitialized or not a function of the inputs.
SKIP_OPS = re.compile(
    r"^(bernoulli|normal|multinomial|rand.*|uniform|cauchy|exponential|geometric|log_normal|"
    r"empty.*|new_empty.*|nn\.functional\.(dropout.*|alpha_dropout|feature_alpha_dropout|rrelu|"
    r"gumbel_softmax|fractional_max_pool.*)|jiterator.*|_refs.*|__getitem__|__rsub__|"
    r"item|tolist|resize_.*|allclose|equal|to_sparse|sparse.*|.*_like$|bfloat16|half|"
    r"nonzero|pca_lowrank|svd_lowrank|lobpcg|cuda.*|storage.*|view_as_complex|"
    r"polar|complex|fft.*|stft|istft|linalg\.(eig.*|svd.*|qr|lstsq.*|pinv.*|matrix_rank.*|"
    r"cholesky.*|lu.*|ldl.*|solve.*|inv.*|det|slogdet|matrix_power|matrix_exp|tensorinv|"
    r"tensorsolve|cond|householder_product|vander|norm|matrix_norm)|svd|qr|cholesky.*|lu.*|"
    r"triangular_solve|ormqr|geqrf|symeig|eig|pinverse|inverse|det|logdet|slogdet|"
    r"matrix_exp|linalg_.*|to|type_as)$")

FAMILIES = [
    ("loss", r"(loss|nll|cross_entropy|kl_div|binary_cross_entropy|margin|ctc)"),
    ("conv", r"(conv|Conv|fold|unfold)"),
    ("pool", r"(pool|Pool)"),
    ("norm", r"(norm|Norm|normalize|local_response)"),
    ("rnn", r"(RNN|LSTM|GRU|rnn|lstm|gru)"),
    ("resample", r"(interpolate|upsample|Upsample|grid_sample|affine_grid|pixel_)"),
    ("padding", r"(pad|Pad)"),
    ("activation", r"(relu|elu|gelu|silu|mish|sigmoid|tanh|softmax|softmin|softplus|softsign|"
                   r"shrink|threshold|glu|hardswish|hardtanh|Tanh|Sigmoid|ReLU|ELU|GELU|SiLU|"
                   r"Mish|Soft|Hard|Threshold|GLU|PReLU|LogSigmoid|Shrink|logsigmoid)"),
    ("linalg", r"(mm|mv|matmul|dot|outer|ger|cross|tensordot|einsum|linear|Linear|bilinear|"
               r"Bilinear|kron|inner|addr|chain_matmul|cdist|dist|cosine|pairwise|trace|"
               r"Cosine|Pairwise)"),
    ("embedding", r"(embedding|Embedding)"),
    ("sorting", r"(sort|topk|kthvalue|median|mode|unique|msort|searchsorted|bucketize)"),
    ("reduction", r"(sum|mean|prod|std|var|amax|amin|aminmax|max|min|argmax|argmin|all|any|"
                  r"norm|logsumexp|cum|count_nonzero|diff)"),
    ("indexing", r"(index|gather|scatter|take|masked|select|put|where|nonzero)"),
    ("shape", r"(view|reshape|flatten|permute|transpose|squeeze|cat|stack|split|chunk|unbind|"
              r"slice|narrow|expand|repeat|tile|flip|roll|rot90|diag|tril|triu|movedim|"
              r"swap|broadcast|atleast|meshgrid|t$|T$|mT|mH|H$|ravel|contiguous|clone|"
              r"unflatten|Flatten|Unflatten|Identity|ChannelShuffle|channel_shuffle|"
              r"column_stack|hstack|vstack|dstack|block_diag|as_strided|resolve|alias)"),
    ("creation", r"(zeros|ones|full|arange|linspace|logspace|eye|tensor|scalar_tensor)"),
]


def family_of(name):
    for fam, pattern in FAMILIES:
        if re.search(pattern, name):
            return fam
    return "elementwise"


def sanitize(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


# --------------------------------------------------------------------------------------------
# Building cases (the torch side)


class Flattener:
    """Replaces every tensor in a nested args structure with a placeholder index."""

    def __init__(self, torch):
        self.torch = torch
        self.tensors = []

    def take(self, value):
        torch = self.torch
        if isinstance(value, torch.Tensor):
            self.tensors.append(value.detach().clone())
            return ("__tensor__", len(self.tensors) - 1)
        if isinstance(value, (list, tuple)):
            items = [self.take(v) for v in value]
            return list(items) if isinstance(value, list) else tuple(items)
        if isinstance(value, dict):
            return {k: self.take(v) for k, v in value.items()}
        return value


def rebuild(template, xs):
    if isinstance(template, tuple) and len(template) == 2 and template[0] == "__tensor__":
        return xs[template[1]]
    if isinstance(template, list):
        return [rebuild(v, xs) for v in template]
    if isinstance(template, tuple):
        return tuple(rebuild(v, xs) for v in template)
    if isinstance(template, dict):
        return {k: rebuild(v, xs) for k, v in template.items()}
    return template


def make_call_module(torch, fn, template, n):
    """A module whose forward(i0, ..., i{n-1}) calls fn on the template filled with its inputs."""
    names = [f"i{k}" for k in range(n)]

    class Call(torch.nn.Module):
        def __init__(self):
            super().__init__()

        def call(self, xs):
            args, kwargs = rebuild(template, xs)
            return fn(*args, **kwargs)

    source = (f"def forward(self, {', '.join(names)}):\n"
              f"    return self.call(({', '.join(names)}{',' if n == 1 else ''}))\n")
    scope = {}
    exec(source, scope)  # noqa: S102 - dev-time generator, fixed source
    Call.forward = scope["forward"]
    return Call()


def flatten_outputs(torch, out):
    """Tensors of a result in order, or None when the result holds something else."""
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        result = []
        for o in out:
            sub = flatten_outputs(torch, o)
            if sub is None:
                return None
            result.extend(sub)
        return result
    return None


DTYPES = {
    "float32": "float32", "float64": "float64", "int64": "int64", "int32": "int32",
    "bool": "bool", "uint8": "uint8", "int8": "int8", "int16": "int16", "float16": "float16",
}


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def supported(t):
    return dtype_name(t) in DTYPES and not t.is_sparse and not t.is_quantized


def same_outputs(torch, a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.is_floating_point:
            if not torch.equal(torch.nan_to_num(x, nan=1234.5), torch.nan_to_num(y, nan=1234.5)):
                return False
        elif not torch.equal(x, y):
            return False
    return True


class Writer:
    def __init__(self, torch, out_dir, torch_export_dir):
        self.torch = torch
        self.out_dir = out_dir
        self.torch_export_dir = torch_export_dir
        self.cases = []
        self.skipped = []  # (id, reason)
        self.ids = set()

    def unique_id(self, base):
        cid, k = base, 1
        while cid in self.ids:
            cid, k = f"{base}.{k}", k + 1
        self.ids.add(cid)
        return cid

    def write(self, cid, meta, module, inputs, script):
        """Traces (or scripts) module, saves, reloads, records outputs. Returns a reason on skip."""
        torch = self.torch
        for t in inputs:
            if not supported(t):
                return f"input dtype {t.dtype}"
        path = os.path.join(self.out_dir, cid + ".pt")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if script:
                    compiled = torch.jit.script(module)
                else:
                    compiled = torch.jit.trace(module, tuple(inputs), check_trace=False)
            torch.jit.save(compiled, path)
            loaded = torch.jit.load(path)
            with torch.no_grad():
                out1 = flatten_outputs(torch, loaded(*[t.clone() for t in inputs]))
                out2 = flatten_outputs(torch, loaded(*[t.clone() for t in inputs]))
        except Exception as e:  # noqa: BLE001 - any torch failure skips the case
            if os.path.exists(path):
                os.remove(path)
            return f"torch: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
        reason = None
        if out1 is None or not out1:
            reason = "output is not a tensor or tuple of tensors"
        elif any(not supported(o) for o in out1):
            reason = "output dtype " + ",".join(sorted({dtype_name(o) for o in out1}))
        elif not same_outputs(torch, out1, out2):
            reason = "outputs differ between two runs (not deterministic)"
        elif sum(t.numel() for t in list(inputs) + out1) > MAX_ELEMENTS:
            reason = f"more than {MAX_ELEMENTS} elements"
        if reason:
            os.remove(path)
            return reason
        blob = bytearray()

        def entries(ts, prefix):
            result = []
            for k, t in enumerate(ts):
                t = t.detach().contiguous()
                raw = t.numpy().tobytes() if t.dtype != torch.bool else \
                    t.to(torch.uint8).numpy().tobytes()
                result.append({"name": f"{prefix}{k}", "dtype": dtype_name(t),
                               "shape": list(t.shape), "offset": len(blob), "bytes": len(raw)})
                blob.extend(raw)
            return result

        meta = dict(meta)
        meta["id"] = cid
        meta["kind"] = "scripted" if script else "traced"
        meta["inputs"] = entries(inputs, "i")
        meta["outputs"] = entries(out1, "output_")
        with open(os.path.join(self.out_dir, cid + ".bin"), "wb") as f:
            f.write(blob)
        if self.torch_export_dir:
            meta["torch_onnx17"] = self.torch_export(cid, loaded, inputs, len(out1))
        self.cases.append(meta)
        return None

    def torch_export(self, cid, loaded, inputs, n_out):
        torch = self.torch
        target = os.path.join(self.torch_export_dir, cid + ".onnx")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kwargs = {}
                if "dynamo" in inspect.signature(torch.onnx.export).parameters:
                    kwargs["dynamo"] = False  # torch 2.x: the TorchScript exporter
                torch.onnx.export(loaded, tuple(t.clone() for t in inputs), target,
                                  opset_version=17,
                                  input_names=[f"i{k}" for k in range(len(inputs))],
                                  output_names=[f"output_{k}" for k in range(n_out)], **kwargs)
        except Exception as e:  # noqa: BLE001
            lines = [l for l in str(e).splitlines() if l.strip()]
            return "refused: " + (lines[0][:160] if lines else type(e).__name__)
        return "written"


def signature(torch, sample_tensors, template):
    """What makes a sample different from another for the suite's purpose."""
    ranks = tuple(t.dim() for t in sample_tensors)
    text = repr(template)
    has_negative = bool(re.search(r"(?<![\w.])-\d", text))
    kwargs = tuple(sorted(template[1].keys()))
    return (ranks, has_negative, kwargs, any(t.dim() == 0 for t in sample_tensors))


def isolated(writer, name, work):
    """Runs work() in a forked child, so an op that crashes torch (SIGFPE on an integer division
    by zero, ...) loses only its own cases."""
    fd, result_file = tempfile.mkstemp(prefix="ts2onnx-case-", suffix=".json")
    os.close(fd)
    before = len(writer.cases), len(writer.skipped)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            work()
            with open(result_file, "w") as f:
                json.dump({"cases": writer.cases[before[0]:],
                           "skipped": writer.skipped[before[1]:]}, f)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    try:
        if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0:
            how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                   else f"exit {os.WEXITSTATUS(status)}")
            writer.skipped.append((name, f"torch crashed making the cases ({how})"))
            return
        with open(result_file) as f:
            result = json.load(f)
        writer.cases.extend(result["cases"])
        writer.skipped.extend(tuple(x) for x in result["skipped"])
        writer.ids.update(c["id"] for c in result["cases"])
    finally:
        os.remove(result_file)


def generate_op_db(torch, writer, args):
    from torch.testing._internal.common_methods_invocations import op_db

    pattern = re.compile(args.ops) if args.ops else None
    for op in op_db:
        full = op.name + (("." + op.variant_test_name) if op.variant_test_name else "")
        if pattern and not pattern.search(full):
            continue
        if SKIP_OPS.match(op.name):
            writer.skipped.append((full, "random, uninitialized or not expressible as a tensor "
                                   "function (listed in SKIP_OPS)"))
            continue
        isolated(writer, full, lambda: generate_op(torch, writer, args, op, full))


def generate_op(torch, writer, args, op, full):
    dtypes = op.supported_dtypes("cpu")
    plan = [(torch.float32, args.float_samples)]
    if torch.int64 in dtypes:
        plan.append((torch.int64, 1))
    if torch.bool in dtypes and re.search(r"(logical|bitwise|where|eq|ne$|any|all|"
                                          r"masked|__and__|__or__|__xor__)", op.name):
        plan.append((torch.bool, 1))
    for dtype, limit in plan:
        if dtype not in dtypes:
            continue
        try:
            torch.manual_seed(0)
            samples = list(op.sample_inputs("cpu", dtype))
        except Exception as e:  # noqa: BLE001
            writer.skipped.append((full, f"sample_inputs failed: {e}"))
            continue
        seen = set()
        taken = 0
        for sample in samples:
            if taken >= limit:
                break
            flat = Flattener(torch)
            template = flat.take(((sample.input,) + tuple(sample.args), dict(sample.kwargs)))
            if not flat.tensors:
                continue
            sig = signature(torch, flat.tensors, template)
            if sig in seen:
                continue
            seen.add(sig)
            base = sanitize(f"op.{full}.{str(dtype).replace('torch.', '')}")
            cid = writer.unique_id(base)
            module = make_call_module(torch, op.op, template, len(flat.tensors))
            meta = {"source": "op_db", "op": full, "family": family_of(op.name),
                    "sample": sanitize(sample.name or "")[:60]}
            reason = writer.write(cid, meta, module, flat.tensors, script=False)
            if reason:
                writer.ids.discard(cid)
                writer.skipped.append((cid, reason))
            else:
                taken += 1


def nn_tests(torch):
    import torch.testing._internal.common_nn as cn

    # torch 2.x builds the list on demand.
    new_tests = cn.get_new_module_tests() if hasattr(cn, "get_new_module_tests") \
        else cn.new_module_tests
    for t in cn.module_tests + new_tests:
        yield "module", t
    for t in cn.criterion_tests:
        yield "criterion", t


def nn_case_name(test):
    if "fullname" in test:
        return test["fullname"]
    name = test.get("module_name", "unnamed")
    if test.get("desc"):
        name += "_" + test["desc"]
    return name


def to_float32(torch, value):
    if isinstance(value, torch.Tensor) and value.dtype == torch.float64:
        return value.float()
    if isinstance(value, (list, tuple)):
        return type(value)(to_float32(torch, v) for v in value)
    return value


def nn_module(torch, test):
    if "constructor" in test:
        ctor = test["constructor"]
    else:
        ctor = getattr(torch.nn, test["module_name"])
    if "constructor_args_fn" in test:
        ctor_args = test["constructor_args_fn"]()
    else:
        ctor_args = test.get("constructor_args", ())
    return ctor(*ctor_args)


def nn_input(torch, test, key_fn, key_size):
    if key_fn in test:
        return test[key_fn]()
    if key_size in test:
        return torch.randn(test[key_size])
    return None


def generate_common_nn(torch, writer, args):
    pattern = re.compile(args.ops) if args.ops else None

    class WithTarget(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, i0, i1):
            return self.inner(i0, i1)

    for kind, test in nn_tests(torch):
        name = nn_case_name(test)
        if pattern and not pattern.search(name):
            continue
        torch.manual_seed(0)
        try:
            module = nn_module(torch, test).float().eval()
            x = to_float32(torch, nn_input(torch, test, "input_fn", "input_size"))
            inputs = [x] if isinstance(x, torch.Tensor) else list(x) if x is not None else []
            if kind == "criterion":
                target = to_float32(torch, nn_input(torch, test, "target_fn", "target_size"))
                if target is None:
                    target = torch.randn(inputs[0].shape)
                inputs.append(target)
                module = WithTarget(module).eval()
            inputs.extend(to_float32(torch, a) for a in test.get("extra_args", ()))
        except Exception as e:  # noqa: BLE001
            writer.skipped.append((name, f"building the test failed: {e}"))
            continue
        if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
            writer.skipped.append((name, "inputs are not tensors"))
            continue
        if any(t.is_complex() for t in inputs):
            writer.skipped.append((name, "complex inputs"))
            continue
        if kind == "module" and len(inputs) > 1:
            # Several inputs: wrap so forward has named parameters.
            inner = module
            module = make_call_module(torch, lambda *xs: inner(*xs),
                                      ([("__tensor__", k) for k in range(len(inputs))], {}),
                                      len(inputs))
            module.inner = inner
            module.eval()
        fam = family_of(test.get("module_name") or name)
        if kind == "criterion":
            fam = "loss"
        for script in (False, True):
            if script and kind == "module" and len(inputs) > 1:
                continue  # the wrapper calls a Python lambda: not scriptable
            cid = writer.unique_id(sanitize(f"nn.{name}.{'scripted' if script else 'traced'}"))
            meta = {"source": "common_nn", "op": name, "family": fam, "sample": ""}
            reason = writer.write(cid, meta, module, inputs, script=script)
            if reason:
                writer.ids.discard(cid)
                writer.skipped.append((cid, reason))


# --------------------------------------------------------------------------------------------
# Checking torch.onnx.export's models in onnxruntime (runs under --ort-python)


def check_torch_models(cases_file, case_dir, model_dir):
    import numpy as np
    import onnxruntime as ort

    np_types = {"float32": np.float32, "float64": np.float64, "int64": np.int64,
                "int32": np.int32, "bool": np.bool_, "uint8": np.uint8, "int8": np.int8,
                "int16": np.int16, "float16": np.float16}
    cases = [json.loads(line) for line in open(cases_file)]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    for case in cases:
        if case.get("torch_onnx17") != "written":
            continue
        blob = open(os.path.join(case_dir, case["id"] + ".bin"), "rb").read()

        def array(e):
            raw = blob[e["offset"]:e["offset"] + e["bytes"]]
            return np.frombuffer(raw, dtype=np_types[e["dtype"]]).reshape(e["shape"])

        try:
            sess = ort.InferenceSession(os.path.join(model_dir, case["id"] + ".onnx"), opts,
                                        providers=["CPUExecutionProvider"])
            names = {i.name for i in sess.get_inputs()}
            feeds = {e["name"]: array(e) for e in case["inputs"] if e["name"] in names}
            got = sess.run(None, feeds)
        except Exception as e:  # noqa: BLE001
            case["torch_onnx17"] = "onnxruntime: " + str(e).splitlines()[0][:160]
            continue
        status = "pass"
        if len(got) != len(case["outputs"]):
            status = f"mismatch: {len(got)} outputs, expected {len(case['outputs'])}"
        else:
            for g, e in zip(got, case["outputs"]):
                want = array(e)
                g = np.asarray(g)
                if tuple(g.shape) != tuple(want.shape):
                    status = f"mismatch: {e['name']} shape {list(g.shape)}, expected {e['shape']}"
                    break
                if want.dtype.kind in "fc":
                    ok = np.allclose(g.astype(np.float64), want.astype(np.float64), rtol=RTOL,
                                     atol=ATOL, equal_nan=True)
                else:
                    ok = np.array_equal(g.astype(want.dtype), want)
                if not ok:
                    status = f"mismatch: {e['name']} values differ"
                    break
        case["torch_onnx17"] = status
    with open(cases_file, "w") as f:
        for case in cases:
            f.write(json.dumps(case, sort_keys=True) + "\n")


# --------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory for the cases (emptied first)")
    parser.add_argument("--ops", help="only ops / module tests whose name matches this regex")
    parser.add_argument("--float-samples", type=int, default=3,
                        help="float32 samples per op (default 3)")
    parser.add_argument("--ort-python",
                        help="a Python with onnxruntime + numpy: also run torch.onnx.export "
                             "(opset 17) on every case and check its model there")
    parser.add_argument("--check-torch-models", nargs=2, metavar=("CASE_DIR", "MODEL_DIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.check_torch_models:
        case_dir, model_dir = args.check_torch_models
        check_torch_models(os.path.join(case_dir, "cases.jsonl"), case_dir, model_dir)
        return 0

    import torch

    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith((".pt", ".bin", ".jsonl", ".txt")):
            os.remove(os.path.join(args.out, name))
    export_dir = tempfile.mkdtemp(prefix="ts2onnx-torch-export-") if args.ort_python else None
    writer = Writer(torch, args.out, export_dir)
    generate_op_db(torch, writer, args)
    generate_common_nn(torch, writer, args)
    writer.cases.sort(key=lambda c: c["id"])
    cases_file = os.path.join(args.out, "cases.jsonl")
    with open(cases_file, "w") as f:
        for case in writer.cases:
            case["torch_version"] = torch.__version__
            f.write(json.dumps(case, sort_keys=True) + "\n")
    with open(os.path.join(args.out, "skipped.txt"), "w") as f:
        f.write(f"# Cases the generator left out (torch {torch.__version__}), with why.\n")
        for cid, reason in sorted(writer.skipped):
            f.write(f"{cid}\t{reason}\n")
    if args.ort_python:
        subprocess.run([args.ort_python, os.path.abspath(__file__), "--out", args.out,
                        "--check-torch-models", args.out, export_dir], check=True)
    print(f"{len(writer.cases)} cases, {len(writer.skipped)} skipped -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
