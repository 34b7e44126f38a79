"""``python -m ts2onnx ARGS``: the ts2onnx command-line tool (convert, verify, inspect, ...)."""

import subprocess
import sys

from ._convert import ConversionError, executable


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        exe = executable()
    except ConversionError as e:
        print(f"ts2onnx: error: {e}", file=sys.stderr)
        return 2
    return subprocess.call([exe, *argv])


if __name__ == "__main__":
    sys.exit(main())
