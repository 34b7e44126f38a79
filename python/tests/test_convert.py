"""ts2onnx's Python package against the ts2onnx executable ($TS2ONNX_EXE in the build tree, or
the one a wheel carries). The reference for the converted models is torch's recorded output in
the fixture, compared in onnxruntime by `python -m ts2onnx verify` (onnxruntime-node)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ts2onnx

ROOT = Path(__file__).resolve().parents[2]
MLP = ROOT / "fixtures" / "mlp"
CNN = ROOT / "fixtures" / "cnn_bn"


def verify(model, fixture, input_name="x", sets=("", "2")):
    """Runs the model in onnxruntime on the fixture's recorded inputs through `python -m
    ts2onnx verify` and checks torch's recorded outputs (rtol 1e-3, atol 1e-5)."""
    for s in sets:
        proc = subprocess.run(
            [sys.executable, "-m", "ts2onnx", "verify", str(model),
             "--meta", str(fixture / "meta.json"),
             "--input", f"{input_name}={fixture / f'input{s}_0.bin'}",
             "--expect", str(fixture / f"output{s}_0.bin")],
            capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "PASS" in proc.stdout


class Example:
    """An example input with only a shape and a dtype, as a torch tensor or NumPy array has."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def test_convert_to_file_matches_torch_in_onnxruntime(tmp_path):
    out = tmp_path / "mlp.onnx"
    result = ts2onnx.convert(str(MLP / "model.pt"), str(out),
                             input_shapes={"x": ["batch", 20]}, opset_version=13,
                             output_names=["y"])
    assert result is None
    verify(out, MLP)


def test_example_inputs_and_dynamic_axes(tmp_path):
    out = tmp_path / "cnn.onnx"
    ts2onnx.convert(CNN / "model.pt", out, inputs=(Example((2, 3, 32, 32), "torch.float32"),),
                    input_names=["x"], dynamic_axes={"x": {0: "batch"}}, opset_version=17)
    verify(out, CNN, sets=("",))  # the second recorded set has another spatial size
    # the dynamic axis is in the file: the symbol is stored as a dim_param string
    assert b"batch" in out.read_bytes()


def test_tuple_argument_from_example_inputs(tmp_path):
    # An LSTM's (h0, c0) state given as a tuple of example values, as torch.onnx.export takes it.
    lstm = ROOT / "fixtures" / "lstm_seed_traced"
    out = tmp_path / "lstm.onnx"
    state = (Example((8, 3, 20), "torch.float32"), Example((8, 3, 20), "torch.float32"))
    ts2onnx.convert(lstm / "model.pt", out, inputs=(Example((5, 3, 10), "torch.float32"), state),
                    input_names=["input", "hx"], opset_version=17)
    proc = subprocess.run(
        [sys.executable, "-m", "ts2onnx", "verify", str(out), "--meta", str(lstm / "meta.json")]
        + [a for i, n in enumerate(["input", "hx.0", "hx.1"])
           for a in ("--input", f"{n}={lstm / f'input_{i}.bin'}")]
        + [a for i in range(3) for a in ("--expect", str(lstm / f"output_{i}.bin"))],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout


def test_bytes_equal_the_cli_output(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if onnx were not installed
    data = ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20]], opset_version=13,
                           input_names=["x"])
    assert isinstance(data, bytes)
    cli = tmp_path / "cli.onnx"
    subprocess.run([ts2onnx.executable(), "convert", str(MLP / "model.pt"), "-o", str(cli),
                    "--input", "x:float32[4,20]", "--opset", "13"], check=True)
    assert data == cli.read_bytes()
    buf = io.BytesIO()
    assert ts2onnx.convert(str(MLP / "model.pt"), buf, input_shapes=[[4, 20]],
                           opset_version=13, input_names=["x"]) is None
    assert buf.getvalue() == data


def test_flags_reach_the_converter(tmp_path):
    # export_params=False: the weights become graph inputs, so the file is much smaller and the
    # model has more inputs than x; do_constant_folding/training/keep_initializers_as_inputs
    # are accepted with torch's meanings.
    with_params = ts2onnx.convert(str(MLP / "model.pt"), input_shapes={"x": [4, 20]})
    without = ts2onnx.convert(str(MLP / "model.pt"), input_shapes={"x": [4, 20]},
                              export_params=False, do_constant_folding=False,
                              training=False, keep_initializers_as_inputs=True,
                              operator_export_type="ONNX")
    size = lambda m: len(m) if isinstance(m, (bytes, bytearray)) else m.ByteSize()
    assert size(without) < size(with_params) / 2


def test_conversion_error_is_the_one_line_message():
    with pytest.raises(ts2onnx.ConversionError) as e:
        ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20], [3]])
    msg = str(e.value)
    assert "\n" not in msg
    assert "forward takes 1 argument" in msg and "2 --input" in msg
    with pytest.raises(ts2onnx.ConversionError, match="no-such.pt"):
        ts2onnx.convert("no-such.pt", input_shapes=[[1]])


def test_unsupported_torch_keywords_are_refused():
    with pytest.raises(ts2onnx.ConversionError, match="dynamo=True is not supported"):
        ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20]], dynamo=True)
    with pytest.raises(ts2onnx.ConversionError, match="operator_export_type=ONNX_ATEN "):
        ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20]],
                        operator_export_type="ONNX_ATEN")
    with pytest.raises(ts2onnx.ConversionError, match="training=PRESERVE"):
        ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20]], training="PRESERVE")
    with pytest.raises(TypeError, match="no_such_keyword"):
        ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20]], no_such_keyword=1)
    # torch's default values of keywords ts2onnx does not implement are accepted
    ts2onnx.convert(str(MLP / "model.pt"), input_shapes=[[4, 20]], dynamo=False,
                    external_data=True)


def test_python_m_runs_the_cli():
    proc = subprocess.run([sys.executable, "-m", "ts2onnx", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("ts2onnx ")
    proc = subprocess.run([sys.executable, "-m", "ts2onnx", "convert", "no-such.pt", "-o",
                           os.devnull], capture_output=True, text=True)
    assert proc.returncode != 0 and proc.stderr.startswith("ts2onnx convert: error:")


def test_model_proto_when_onnx_is_importable():
    onnx = pytest.importorskip("onnx")
    model = ts2onnx.convert(str(MLP / "model.pt"), input_shapes={"x": ["batch", 20]},
                            output_names=["y"])
    assert isinstance(model, onnx.ModelProto)
    onnx.checker.check_model(model)
    assert [o.name for o in model.graph.output] == ["y"]
