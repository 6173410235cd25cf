"""The model benchmark suite (benchmarks/models) still runs: every seed model's dagnet side,
a couple of steps in --quick mode, through the real command (one process per model)."""

import json
import math
import os
import subprocess
import sys

RUN = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "models", "run.py")

# count_params() of the same definitions on Keras 3.15.1: the benchmark models are the seeds'.
KERAS_PARAMS = {
    "mlp": 3466,
    "inception": 1090761,
    "dual_inception": 1092761,
    "text_qa": 1000052,
    "siamese_lstm": 82305,
    "conv1d_multi": 14146316,
    "resnet_block": 755722,
    "headline": 5200610,
}


def test_quick_run_of_every_model_on_dagnet(tmp_path):
    out = tmp_path / "run.json"
    proc = subprocess.run(
        [sys.executable, RUN, "--quick", "--frameworks", "dagnet", "--json", str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads(out.read_text())
    assert list(run["results"]) == list(KERAS_PARAMS)
    for model, params in KERAS_PARAMS.items():
        result = run["results"][model]["dagnet"]
        assert "error" not in result, (model, result)
        assert result["params"] == params, model
        assert math.isfinite(result["loss_first"]) and math.isfinite(result["loss_last"]), model
        for measure in ("train", "predict_batch", "predict_1"):
            timing = result[measure]
            assert timing["n"] >= 2 and 0 < timing["p10"] <= timing["median"] <= timing["p90"], (model, measure)
        assert result["memory_mb"] >= result["memory_steady_mb"] - 1e-9, model
    assert "| resnet_block | 4 | " in proc.stdout  # the markdown table
