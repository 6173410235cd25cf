"""One process of a data-parallel test job: ``mpirun -np 2 python distributed_job.py SCENARIO OUT``
(tests/test_distributed_mpi.py launches it and checks what it leaves in OUT).

Scenarios:
  train     every case of distributed_cases.py (STATISTICS_CASE too); process 0 saves each case's weights and
            history, every process its weights' checksum; then a run with file-writing
            and deciding callbacks (process 0 writes, every process stops together).
  raise     process 1 fails in a callback during fit: the job must end with its error.
  die       process 1 exits in the middle of fit: the job must end.
  mismatch  process 1 builds a different model: every process must say so.
  timeout   process 1 never trains: process 0's collective must time out and end the job.
"""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import distributed_cases as cases  # noqa: E402

import dagnet  # noqa: E402
from dagnet import distribution  # noqa: E402


def scenario_train(out):
    rank = distribution.process_id()
    for case in cases.CASES + [cases.STATISTICS_CASE]:
        model, history = cases.train(case)
        name = cases.case_name(case)
        weights = model.get_weights()
        checksum = float(sum(np.sum(w.astype(np.float64) * (i + 1)) for i, w in enumerate(weights)))
        with open(os.path.join(out, f"{name}.checksum.{rank}"), "w") as f:
            f.write(repr(checksum))
        if rank == 0:
            np.savez(os.path.join(out, f"{name}.npz"), *weights, **{k: np.array(v) for k, v in history.items()})

    # Callbacks: files named per process, so a write by any other process would show.
    # EarlyStopping and ReduceLROnPlateau act after epoch 2 of 4 on every process.
    callbacks = [
        dagnet.callbacks.CSVLogger(os.path.join(out, f"log.{rank}.csv")),
        dagnet.callbacks.ModelCheckpoint(os.path.join(out, f"ckpt.{rank}.weights.h5"), save_weights_only=True),
        dagnet.callbacks.EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0),
        dagnet.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=0, min_delta=10.0, factor=0.5),
    ]
    model, history = cases.train(("dense", "arrays", "even"), callbacks=callbacks, epochs=4)
    report = {"epochs": len(history["loss"]), "lr": float(model.optimizer.learning_rate)}
    # A stop only process 1 decides (a user callback) stops every process at that step.
    callbacks = [StopAfterBatch(1)] if rank == 1 else []
    model, history = cases.train(("dense", "arrays", "even"), callbacks=callbacks, epochs=4)
    report.update(stopped_epochs=len(history["loss"]), stopped_iterations=int(model.optimizer.iterations))
    with open(os.path.join(out, f"callbacks.{rank}.json"), "w") as f:
        json.dump(report, f)


class StopAfterBatch(dagnet.callbacks.Callback):
    def __init__(self, batch):
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            self.model.stop_training = True


def scenario_raise(out):
    def fail(epoch, logs):
        if distribution.process_id() == 1:
            raise RuntimeError("process 1's disk is full")

    cases.train(("dense", "arrays", "even"), callbacks=[dagnet.callbacks.LambdaCallback(on_epoch_end=fail)])


def scenario_die(out):
    def die(epoch, logs):
        if distribution.process_id() == 1:
            os._exit(3)  # no Python error, no MPI call: the launcher must end the job

    cases.train(("dense", "arrays", "even"), callbacks=[dagnet.callbacks.LambdaCallback(on_epoch_end=die)])


def scenario_mismatch(out):
    if distribution.process_id() == 1:  # one Dense layer where process 0 builds two
        cases.MODELS["dense"] = (lambda: dagnet.Sequential([dagnet.Input((6,)), dagnet.layers.Dense(3)]), (6,))
    cases.train(("dense", "arrays", "even"))


def scenario_timeout(out):
    if distribution.process_id() == 1:
        time.sleep(60)  # alive, but never joins a collective: the watchdog must end the job
    cases.train(("dense", "arrays", "even"))


if __name__ == "__main__":
    scenario, out = sys.argv[1], sys.argv[2]
    distribution.initialize()
    distribution.set_distribution(distribution.DataParallel())
    globals()[f"scenario_{scenario}"](out)
