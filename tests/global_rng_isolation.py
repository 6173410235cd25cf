"""An autouse-able fixture that gives dagnet's global random generator back its state after
each test, so tests that create layers (whose initializers and seeds draw from it) do not shift
the numbers later tests in the same process draw. Some older tests depend on those numbers
(test_lr_schedules' ReduceLROnPlateau case fails for 1 global seed in ~100); importing this
into a test module keeps that module neutral."""

import pytest

from dagnet import _random


@pytest.fixture(autouse=True)
def keep_global_rng():
    generator = _random.generator()
    state = generator.bit_generator.state
    yield
    _random._generator = generator  # a test may have reseeded (replaced) it
    generator.bit_generator.state = state
