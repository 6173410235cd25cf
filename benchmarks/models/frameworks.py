"""One adapter per framework: thread setup (before the framework is imported) and a
Runner with train() and predictor(inputs) for one model on one batch.

Frameworks: dagnet, torch (eager), torch_compile (torch.compile of the model; the
optimizer step stays eager), keras_jax and keras_tf (Keras 3 on JAX / TensorFlow,
train_on_batch and predict_on_batch, Keras's default jit_compile).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

FRAMEWORKS = ["dagnet", "torch", "torch_compile", "keras_jax", "keras_tf"]


@dataclass
class Runner:
    train: Callable[[], float]  # one training step on the batch; returns the loss
    # inputs (Keras layout) -> a no-argument forward pass on them, converted beforehand
    predictor: Callable[[list], Callable[[], object]]
    params: int
    notes: dict = field(default_factory=dict)


def setup_threads(framework: str, threads: int) -> None:
    """Pins the process to `threads` cores (when fewer than all) and tells the framework's
    pools, through environment variables that must be set before its import."""
    cpus = sorted(os.sched_getaffinity(0))
    if threads < len(cpus):
        os.sched_setaffinity(0, cpus[:threads])
    n = str(threads)
    os.environ.update(
        OMP_NUM_THREADS=n,
        MKL_NUM_THREADS=n,
        OPENBLAS_NUM_THREADS=n,
        DAGNET_NUM_THREADS=n,
        TF_NUM_INTRAOP_THREADS=n,
        TF_NUM_INTEROP_THREADS=n,
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    if framework == "keras_jax":
        eigen = "true" if threads > 1 else "false"
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "") + f" --xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={n}"
        ).strip()
    if framework.startswith("keras"):
        os.environ["KERAS_BACKEND"] = {"keras_jax": "jax", "keras_tf": "tensorflow"}[framework]


def make_runner(framework: str, name: str, inputs: list, targets: list, threads: int) -> Runner:
    if framework == "dagnet":
        return _keras_api_runner(name, inputs, targets, _dagnet(threads))
    if framework.startswith("keras"):
        return _keras_api_runner(name, inputs, targets, _keras(framework, threads))
    if framework in ("torch", "torch_compile"):
        return _torch_runner(name, inputs, targets, threads, compiled=framework == "torch_compile")
    raise ValueError(f"unknown framework {framework!r}; known: {', '.join(FRAMEWORKS)}")


def _dagnet(threads):
    import dagnet
    from dagnet.engine import set_num_threads

    set_num_threads(threads)
    return dagnet


def _keras(framework, threads):
    import keras

    if framework == "keras_tf":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    return keras


def _keras_api_runner(name, inputs, targets, k):
    from keras_api import BUILDERS

    model = BUILDERS[name](k)
    notes = {}
    if getattr(k, "__name__", "") == "keras":
        notes = {"backend": k.backend.backend(), "keras": k.__version__, "jit_compile": str(model.jit_compile)}
    else:
        notes = {"dagnet": k.__version__}
    y = targets if len(targets) > 1 else targets[0]

    def train():
        out = model.train_on_batch(inputs, y)
        return float(np.ravel(out)[0])

    def predictor(xs):
        return lambda: model.predict_on_batch(xs)

    return Runner(train, predictor, int(model.count_params()), notes)


def _to_torch(torch, a):
    """Keras layout -> PyTorch's: NHWC images to contiguous NCHW, integer ids to int64."""
    if a.ndim == 4:
        a = np.ascontiguousarray(a.transpose(0, 3, 1, 2))
    if a.dtype.kind in "iu":
        a = a.astype(np.int64)
    return torch.from_numpy(a)


def _torch_runner(name, inputs, targets, threads, compiled):
    import torch
    import torch_models

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    torch.manual_seed(0)
    model = torch_models.MODULES[name]()
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch_models.optimizer(name, model.parameters())
    forward = torch.compile(model, dynamic=False) if compiled else model
    xs = [_to_torch(torch, a) for a in inputs]
    ys = [_to_torch(torch, a.ravel() if a.dtype.kind in "iu" else a) for a in targets]

    def train():
        optimizer.zero_grad(set_to_none=True)
        loss = torch_models.loss(name, forward(*xs), ys)
        loss.backward()
        optimizer.step()
        return loss.item()

    def predictor(batch):
        tensors = [_to_torch(torch, a) for a in batch]

        def predict():
            with torch.inference_mode():
                return forward(*tensors)

        return predict

    return Runner(train, predictor, params, {"torch": torch.__version__})
