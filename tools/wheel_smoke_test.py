"""Smoke test of an installed dagnet (a wheel or an sdist install, in a fresh environment
with NumPy only): the engine loads from site-packages, a small functional model trains and
predicts, and the bundled `dagnet-bench` runs the exported model without Python.

Run it from outside the source tree: ``python tools/wheel_smoke_test.py`` (cibuildwheel
runs it after each wheel it builds)."""
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np

import dagnet
from dagnet import Input, Model, layers

engine = os.path.realpath(dagnet._engine.__file__)
site = os.path.realpath(sysconfig.get_paths()["purelib"])
platsite = os.path.realpath(sysconfig.get_paths()["platlib"])
assert engine.startswith((site, platsite)), f"dagnet's engine was loaded from {engine}, not the installed package"
print("dagnet", dagnet.__version__, dagnet.info())

rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype("float32")
y = (x[:, :4].sum(axis=1) > x[:, 4:].sum(axis=1)).astype("float32")[:, None]
inputs = Input(shape=(8,))
outputs = layers.Dense(1, activation="sigmoid")(layers.Dense(16, activation="relu")(inputs))
model = Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=40, batch_size=32, verbose=0)
loss, accuracy = model.evaluate(x, y, verbose=0)
assert history.history["loss"][-1] < history.history["loss"][0], history.history["loss"]
assert accuracy > 0.8, f"a linearly separable problem should be learnt, accuracy {accuracy}"
assert model.predict(x[:5], verbose=0).shape == (5, 1)

bench = shutil.which("dagnet-bench", path=os.path.dirname(sys.executable)) or shutil.which("dagnet-bench")
assert bench, "the wheel should install the dagnet-bench program next to python"
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model.dgn")
    model.export_native(path)
    run = subprocess.run([bench, path, "--batch", "8", "--iterations", "3", "--warmup", "1", "--mode", "predict"],
                         check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
print(f"smoke test passed: accuracy {accuracy:.3f}, dagnet-bench ran ({bench})")
