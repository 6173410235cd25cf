"""A run folder's event files as a listing, read with TensorBoard's own EventAccumulator:
per tag its plugin and steps, and (scalars) the values, (histograms) the [left, right,
count] buckets, (images) the image count, size and pixels; and the scenarios' data. Used by the fixture maker
(tests/fixtures/make/keras3_tensorboard.py, on Keras's logs) and by test_tensorboard."""

import io

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util


def scenario_data():
    """The training and validation arrays of the fixture's scenarios."""
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (24, 6, 6, 1)).astype("float32")
    y = rng.randint(0, 3, (24,)).astype("int64")
    x_val = rng.uniform(-1, 1, (12, 6, 6, 1)).astype("float32")
    y_val = rng.randint(0, 3, (12,)).astype("int64")
    return x, y, x_val, y_val


def summarize(run_dir):
    acc = event_accumulator.EventAccumulator(
        run_dir, size_guidance={k: 0 for k in event_accumulator.DEFAULT_SIZE_GUIDANCE}
    )
    acc.Reload()
    tags = {}
    for tag in acc.Tags()["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        events = acc.Tensors(tag)
        entry = {"plugin": plugin, "steps": [e.step for e in events]}
        arrays = [tensor_util.make_ndarray(e.tensor_proto) for e in events]
        if plugin == "scalars":
            entry["values"] = [float(a) for a in arrays]
        elif plugin == "histograms":
            entry["buckets"] = [a.tolist() for a in arrays]
        elif plugin == "images":
            entry["images"] = [len(a) - 2 for a in arrays]
            entry["sizes"] = [[int(a[0]), int(a[1])] for a in arrays]  # width, height
            entry["pixels"] = [[np.asarray(Image.open(io.BytesIO(png))).tolist() for png in a[2:]] for a in arrays]
        tags[tag] = entry
    try:
        acc.Graph()
        graph = True
    except ValueError:
        graph = False
    return {"tags": tags, "graph": graph, "scalars_v1": sorted(acc.Tags()["scalars"])}
