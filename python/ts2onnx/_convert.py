"""ts2onnx.convert: torch.onnx.export's keywords, mapped onto `ts2onnx convert`'s flags."""

import os
import shutil
import subprocess
import sys
import tempfile

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


class ConversionError(Exception):
    """A conversion that ts2onnx refused or that failed: the message is the tool's one-line
    error (without its `ts2onnx convert: error:` prefix)."""


def executable():
    """The ts2onnx executable used: $TS2ONNX_EXE, else the one in this package (a wheel built
    by `pip install .`), else `ts2onnx` on PATH."""
    env = os.environ.get("TS2ONNX_EXE")
    if env:
        if not os.access(env, os.X_OK):
            raise ConversionError(f"TS2ONNX_EXE={env} is not an executable file")
        return env
    bundled = os.path.join(_PKG_DIR, "bin", "ts2onnx")
    if os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("ts2onnx")
    if found and _is_native(found):  # not the console script of this package
        return found
    raise ConversionError(
        "no ts2onnx executable: install the package with `pip install .` from the ts2onnx "
        "repository (it builds one), or set TS2ONNX_EXE to a built tools/ts2onnx/ts2onnx")


def _is_native(path):
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def version():
    """The version printed by the ts2onnx executable."""
    out = subprocess.run([executable(), "--version"], capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()


# torch dtype / numpy dtype names -> the CLI's dtype names.
_DTYPES = {
    "float32": "float32", "float": "float32", "float16": "float16", "half": "float16",
    "float64": "float64", "double": "float64", "int64": "int64", "long": "int64",
    "int32": "int32", "int": "int32", "int8": "int8", "uint8": "uint8", "bool": "bool",
}

# Keywords of torch.onnx.export that ts2onnx does not implement, with the value at which each
# changes nothing (passing that value is accepted; any other value is refused).
_TORCH_ONLY = {
    "dynamo": False,  # ts2onnx follows the TorchScript exporter (dynamo=False)
    "kwargs": None,
    "external_data": True,  # the tool stores external data itself when the model exceeds 2 GB
    "dynamic_shapes": None,
    "custom_translation_table": None,
    "report": False,
    "optimize": True,
    "verify": False,
    "profile": False,
    "dump_exported_program": False,
    "artifacts_dir": ".",
    "fallback": False,
    "autograd_inlining": True,
}


_TUPLE = object()  # the dtype slot of a tuple argument's spec


def _enum_name(value, what):
    """`OperatorExportTypes.ONNX`, `TrainingMode.EVAL` or the strings "ONNX", "EVAL"."""
    if isinstance(value, str):
        return value.upper()
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name.upper()
    raise ConversionError(f"{what}={value!r}: expected a name such as the torch enum's")


def _dtype_name(dtype, where):
    text = str(dtype)
    if text.startswith("torch."):
        text = text[len("torch."):]
    if text not in _DTYPES:
        raise ConversionError(f"{where}: dtype {dtype} is not supported (supported: "
                              f"{', '.join(sorted(set(_DTYPES.values())))})")
    return _DTYPES[text]


def _dim_text(d, where):
    if d is None or (isinstance(d, int) and not isinstance(d, bool) and d < 0):
        return "?"
    if isinstance(d, bool):
        raise ConversionError(f"{where}: dim {d!r} is not an int or a name")
    if isinstance(d, int):
        return str(d)
    if isinstance(d, str) and d:
        return d
    raise ConversionError(f"{where}: dim {d!r} is not an int, None or a name")


def _spec(name, dtype, shape, where):
    dims = ",".join(_dim_text(d, where) for d in shape)
    return f"{name}:{_dtype_name(dtype, where)}[{dims}]"


def _input_flags(inputs, input_shapes, input_dtypes, input_names):
    """`--input NAME:DTYPE[dims]` flags, in forward's argument order."""
    if inputs is not None and input_shapes is not None:
        raise ConversionError("give inputs= (example values) or input_shapes=, not both")
    specs = []  # (name or None, dtype, shape, where)
    if inputs is not None:
        if not isinstance(inputs, (tuple, list)):
            inputs = (inputs,)
        for i, x in enumerate(inputs):
            where = f"inputs[{i}]"
            if isinstance(x, bool):
                specs.append((None, "bool", [], where))
            elif isinstance(x, int):
                specs.append((None, "int64", [], where))
            elif isinstance(x, float):
                specs.append((None, "float32", [], where))
            elif hasattr(x, "shape") and hasattr(x, "dtype"):
                specs.append((None, x.dtype, list(x.shape), where))
            elif isinstance(x, (tuple, list)) and x and all(
                    hasattr(m, "shape") and hasattr(m, "dtype") for m in x):
                # A tuple argument (an LSTM's (h0, c0)): NAME:(DTYPE[..],DTYPE[..]).
                specs.append((None, _TUPLE, [(m.dtype, list(m.shape)) for m in x], where))
            else:
                raise ConversionError(f"{where}: {type(x).__name__} is not a tensor, array or "
                                      f"number (ts2onnx takes tensor and scalar arguments)")
    elif input_shapes is not None:
        if isinstance(input_shapes, dict):
            if input_names is None:
                input_names = list(input_shapes)
            elif set(input_names) != set(input_shapes):
                raise ConversionError("input_shapes' keys differ from input_names")
            shapes = [input_shapes[n] for n in input_names]
        else:
            shapes = list(input_shapes)
        for i, shape in enumerate(shapes):
            dtype = "float32"
            if isinstance(input_dtypes, dict):
                key = input_names[i] if input_names and i < len(input_names) else i
                dtype = input_dtypes.get(key, "float32")
            elif input_dtypes is not None:
                dtype = input_dtypes[i]
            specs.append((None, dtype, list(shape), f"input_shapes[{i}]"))
    elif input_names:
        raise ConversionError("input_names given without inputs= or input_shapes=: ts2onnx "
                              "needs each input's shape")
    names = list(input_names or [])
    if len(names) > len(specs):
        raise ConversionError(f"{len(names)} input_names for {len(specs)} inputs")
    flags = []
    for i, (_, dtype, shape, where) in enumerate(specs):
        name = names[i] if i < len(names) else f"input_{i}"
        if dtype is _TUPLE:
            members = ",".join(_spec("", d, sh, where)[1:] for d, sh in shape)
            flags.append(f"--input={name}:({members})")
        else:
            flags.append("--input=" + _spec(name, dtype, shape, where))
    return flags


def _dynamic_axes_flags(dynamic_axes):
    flags = []
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, dict):
            for axis, symbol in axes.items():
                flags.append(f"--dynamic-axis={name}:{int(axis)}={symbol}")
        else:
            for axis in axes:
                flags.append(f"--dynamic-axis={name}:{int(axis)}")
    return flags


def _model_path(model, tmpdir):
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    if hasattr(model, "save") and hasattr(model, "_c"):  # a torch.jit.ScriptModule
        path = os.path.join(tmpdir, "model.pt")
        model.save(path)
        return path
    raise ConversionError(f"model: expected the path of a torch.jit.save archive or a "
                          f"torch.jit.ScriptModule, got {type(model).__name__} (script or trace "
                          f"it and torch.jit.save it first)")


def convert(model, f=None, *, inputs=None, input_shapes=None, input_dtypes=None, args=None,
            opset_version=None, input_names=None, output_names=None, dynamic_axes=None,
            do_constant_folding=True, export_params=True, keep_initializers_as_inputs=False,
            training=False, operator_export_type="ONNX", custom_opsets=None,
            export_modules_as_functions=False, verbose=False, method="forward",
            external_data_location=None, **torch_only):
    """Convert the TorchScript archive `model` (a path, or a ScriptModule when torch is
    installed) to ONNX, as torch.onnx.export(model, args, f, ...) with dynamo=False would.

    Inputs, in forward's argument order: `inputs=` (or torch's `args=`) example values (tensors,
    NumPy arrays, Python numbers: only their dtypes and shapes are used), or `input_shapes=` a
    list of shapes or a dict {name: shape} with `input_dtypes=` (default float32). A dim is an
    int, or None / -1 / a name for a dynamic dim.

    `f`: a path or a binary file object to write the model to (returns None), or None to
    return the model: an onnx.ModelProto when onnx is importable, else the serialized bytes.
    Raises ConversionError with the tool's one-line message on any refusal or failure.
    """
    for key, value in torch_only.items():
        if key not in _TORCH_ONLY:
            raise TypeError(f"convert() got an unexpected keyword argument '{key}'")
        if value != _TORCH_ONLY[key]:
            raise ConversionError(f"{key}={value!r} is not supported by ts2onnx (only "
                                  f"{key}={_TORCH_ONLY[key]!r}, torch.onnx.export's "
                                  f"TorchScript-exporter behaviour)")
    if args is not None:
        if inputs is not None:
            raise ConversionError("give inputs= or args=, not both")
        inputs = args
    flags = _input_flags(inputs, input_shapes, input_dtypes, input_names)
    if opset_version is not None:
        flags.append(f"--opset={int(opset_version)}")
    flags += [f"--output-name={n}" for n in (output_names or [])]
    flags += _dynamic_axes_flags(dynamic_axes)
    if not do_constant_folding:
        flags.append("--no-constant-folding")
    if not export_params:
        flags.append("--no-export-params")
    if keep_initializers_as_inputs:
        flags.append("--keep-initializers-as-inputs")
    if not isinstance(training, bool):
        mode = _enum_name(training, "training")
        if mode not in ("EVAL", "TRAINING"):
            raise ConversionError(f"training={mode} is not supported (EVAL or TRAINING)")
        training = mode == "TRAINING"
    if training:
        flags.append("--training")
    op_type = _enum_name(operator_export_type, "operator_export_type")
    if op_type not in ("ONNX", "ONNX_ATEN_FALLBACK", "ONNX_FALLTHROUGH"):
        raise ConversionError(f"operator_export_type={op_type} is not supported (ONNX, "
                              f"ONNX_ATEN_FALLBACK or ONNX_FALLTHROUGH)")
    flags.append(f"--operator-export-type={op_type}")
    for domain, ver in (custom_opsets or {}).items():
        flags.append(f"--custom-opset={domain}:{int(ver)}")
    if not isinstance(export_modules_as_functions, bool):
        raise ConversionError("export_modules_as_functions: only True or False is supported "
                              "(not a set of module classes)")
    if export_modules_as_functions:
        flags.append("--export-modules-as-functions")
    if verbose:
        flags.append("--verbose")
    if method != "forward":
        flags.append(f"--method={method}")

    with tempfile.TemporaryDirectory(prefix="ts2onnx-") as tmp:
        model_path = _model_path(model, tmp)
        to_path = isinstance(f, (str, os.PathLike))
        out = os.fspath(f) if to_path else os.path.join(tmp, "model.onnx")
        if external_data_location is not None:
            flags.append(f"--external-data={external_data_location}")
        cmd = [executable(), "convert", model_path, "-o", out, *flags]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if verbose and proc.stderr:
            sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            raise ConversionError(_error_line(proc.stderr, proc.returncode))
        if to_path:
            return None
        if os.path.exists(out + ".data") or external_data_location is not None:
            raise ConversionError("the model needs external data (over 2 GB): pass a path as f")
        with open(out, "rb") as fh:
            data = fh.read()
    if f is not None:
        f.write(data)
        return None
    try:
        import onnx  # optional
    except ImportError:
        return data
    return onnx.load_from_string(data)


def _error_line(stderr, code):
    lines = [l for l in stderr.splitlines() if l.strip()]
    errors = [l for l in lines if ": error: " in l]
    line = errors[-1] if errors else (lines[-1] if lines else f"ts2onnx exited with {code}")
    prefix = "ts2onnx convert: error: "
    return line[len(prefix):] if line.startswith(prefix) else line
