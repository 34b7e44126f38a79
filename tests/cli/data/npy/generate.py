"""Writes the .npy files of the `verify-npy` CLI case from fixtures/mlp's recorded raw files.

Run by hand from the repository root with any Python that has numpy:
    /usr/bin/python3 tests/cli/data/npy/generate.py
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
mlp = os.path.join(here, "..", "..", "..", "..", "fixtures", "mlp")
x = np.fromfile(os.path.join(mlp, "input_0.bin"), dtype="<f4").reshape(4, 20)
y = np.fromfile(os.path.join(mlp, "output_0.bin"), dtype="<f4").reshape(4, 10)
np.save(os.path.join(here, "x.npy"), x)
np.save(os.path.join(here, "y.npy"), y)
np.save(os.path.join(here, "y_5x8.npy"), y.reshape(5, 8))  # same bytes, other shape
np.save(os.path.join(here, "x_f64.npy"), x.astype("<f8"))  # other dtype
