"""The functional-API canon runs end to end (small sizes; each builds, summarises, trains)."""

import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "examples", "functional_api"))


@pytest.mark.parametrize(
    "name",
    [
        "inception",
        "residual",
        "question_answering",
        "multi_output_posts",
        "siamese_lstm",
        "shared_vision",
        "visual_qa",
        "instrumentation",
    ],
)
def test_example_runs(name, capsys):
    from dagnet import utils

    utils.clear_session()
    module = __import__(name)
    module.main()
    out = capsys.readouterr().out
    assert "Total params:" in out and "loss:" in out


def test_seed_inception_parameter_counts():
    import inception

    from dagnet import utils

    utils.clear_session()
    assert inception.create_inception_network((32, 32), 3).count_params() == 1090761
    assert inception.create_dual_input_network((32, 32), 3).count_params() == 1092761
