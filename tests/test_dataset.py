"""dagnet's Dataset (what the directory loaders return): the tf.data methods keras-io
scripts call, repeated passes, lengths, and fit/evaluate/predict reading it."""

import warnings

import numpy as np
import pytest

import dagnet as keras
from dagnet._dataset import INFINITE, UNKNOWN, Dataset


def _pairs(n=10):
    return Dataset.from_tensor_slices((np.arange(n, dtype="float32").reshape(n, 1), np.arange(n) % 2))


def test_from_tensor_slices_batch_and_len():
    ds = _pairs().batch(4)
    assert len(ds) == 3 and ds.cardinality() == 3
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(4, 1), (4, 1), (2, 1)]
    assert list(ds.as_numpy_iterator())[2][1].tolist() == [0, 1]  # a second pass reads the data again
    assert len(_pairs().batch(4, drop_remainder=True)) == 2
    with pytest.raises(ValueError, match="different first dimensions"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))


def test_map_unpacks_tuples_and_filter_unbatch_take_skip():
    ds = _pairs().map(lambda x, y: (x * 2, y))
    assert len(ds) == 10 and [float(x[0]) for x, _ in ds][:3] == [0.0, 2.0, 4.0]
    odd = _pairs().filter(lambda x, y: y == 1)
    assert odd.cardinality() == UNKNOWN and [int(y) for _, y in odd] == [1] * 5
    with pytest.raises(TypeError, match="unknown"):
        len(odd)
    rows = _pairs().batch(3).unbatch()
    assert [float(x[0]) for x, _ in rows] == list(range(10))
    assert [float(x[0]) for x, _ in _pairs().skip(7)] == [7.0, 8.0, 9.0] and len(_pairs().skip(7)) == 3
    assert [float(x[0]) for x, _ in _pairs().take(2)] == [0.0, 1.0] and len(_pairs().take(20)) == 10
    assert len(_pairs().take(-1)) == 10 and len(_pairs().skip(-1)) == 0 and list(_pairs().skip(-1)) == []


def test_repeat_concatenate_apply_prefetch():
    assert _pairs(3).repeat().cardinality() == INFINITE
    assert [float(x[0]) for x, _ in _pairs(3).repeat(2)] == [0, 1, 2, 0, 1, 2] and len(_pairs(3).repeat(2)) == 6
    assert [float(x[0]) for x, _ in _pairs(3).repeat().take(4)] == [0, 1, 2, 0]
    assert len(_pairs(3).concatenate(_pairs(2))) == 5
    ds = _pairs(3)
    assert ds.prefetch(-1) is ds
    assert len(ds.apply(lambda d: d.batch(2))) == 2


def test_shuffle_is_a_permutation_reshuffled_each_pass_and_seeded():
    ds = Dataset.from_tensor_slices(np.arange(50)).shuffle(8, seed=3)
    first, second = [int(v) for v in ds], [int(v) for v in ds]
    assert sorted(first) == list(range(50)) and first != list(range(50)) and first != second
    again = Dataset.from_tensor_slices(np.arange(50)).shuffle(8, seed=3)
    assert [int(v) for v in again] == first
    fixed = Dataset.from_tensor_slices(np.arange(50)).shuffle(8, seed=3, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]
    # a buffer of 8: no element comes out more than 7 places early
    assert all(v - i <= 8 for i, v in enumerate(first))


def test_cache_reads_the_source_once():
    calls = []

    def source():
        calls.append(1)
        yield from (np.float32(i) for i in range(4))

    ds = Dataset(source, 4).cache()
    assert [float(v) for v in ds] == [float(v) for v in ds] == [0, 1, 2, 3]
    assert len(calls) == 1


def test_fit_evaluate_predict_read_a_dataset_without_a_shuffle_warning():
    x = np.random.rand(40, 3).astype("float32")
    ds = Dataset.from_tensor_slices((x, x.sum(axis=1, keepdims=True))).shuffle(16, seed=0).batch(8)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(ds, validation_data=ds.take(2), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and history.history["loss"][-1] < history.history["loss"][0]
    assert np.isfinite(model.evaluate(ds, verbose=0))
    assert model.predict(ds, verbose=0).shape == (40, 1)


def test_batches_answer_tensor_numpy_as_keras_io_scripts_call_it():
    images, labels = next(iter(_pairs().batch(4)))
    assert type(images[1].numpy()) is np.ndarray and images[1].numpy().tolist() == [1.0]
    assert int(labels[1]) == 1 and (images / 2).shape == (4, 1)
    plain = next(_pairs().batch(4).as_numpy_iterator())
    assert type(plain[0]) is np.ndarray
