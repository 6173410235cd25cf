"""The ways Keras users build a model, written once for Keras 3 and dagnet: ``define(lib)``
takes the library module (``keras`` or ``dagnet``) and returns the model classes and case
builders. tests/fixtures/make/keras3_model_styles.py runs them under Keras 3 and saves the
numbers (and files); tests/test_model_styles_keras3.py runs them under dagnet and compares.
This module never imports keras.

Every case trains with SGD on fixed data, in order (no shuffling), from weights drawn here
with a seeded NumPy generator, so both libraries start from the same weights."""

import types

import numpy as np

SAMPLES, BATCH, EPOCHS, LEARNING_RATE = 32, 8, 2, 0.05
PACKAGE = "model_styles"


def data(seed, shape, dtype="float32", high=None):
    rng = np.random.default_rng(seed)
    if high is not None:
        return rng.integers(0, high, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def initial_weights(model, seed):
    """Seeded weights in the shapes of model.get_weights() (Keras's order, which dagnet keeps)."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=w.shape) * 0.4).astype("float32") for w in model.get_weights()]


def define(lib):
    """The model classes of the cases, registered under the package 'model_styles'."""
    layers, ops = lib.layers, lib.ops
    register = lib.saving.register_keras_serializable(package=PACKAGE)

    @register
    class MLP(lib.Model):
        """A subclassed model holding layers in attributes, a list, a dict and a private
        attribute; `training` scales the hidden features."""

        def __init__(self, units=6, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.first = layers.Dense(units, activation="relu", name="first")
            self.blocks = [layers.Dense(units, activation="tanh", name=f"block_{i}") for i in range(2)]
            self.heads = {"main": layers.Dense(3, name="main_head"), "aux": layers.Dense(1, name="aux_head")}
            self._scale = layers.Dense(3, use_bias=False, name="scale")

        def call(self, inputs, training=None, mask=None):
            x = self.first(inputs)
            for block in self.blocks:
                x = block(x)
            if training:
                x = x * 0.9
            return self.heads["main"](x) + self._scale(x) + self.heads["aux"](x)

    @register
    class TwoInputs(lib.Model):
        """A subclassed model taking a dict {'num': floats, 'cat': integer ids}."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embed = layers.Embedding(10, 3, name="embed")
            self.num = layers.Dense(4, activation="relu", name="num")
            self.out = layers.Dense(2, name="out")

        def call(self, inputs, training=None):
            pooled = ops.mean(self.embed(inputs["cat"]), axis=1)
            return self.out(ops.concatenate([self.num(inputs["num"]), pooled], axis=-1))

    @register
    class FunctionalSubclass(lib.Model):
        """A functional model built in a subclass's __init__, with an extra method and attribute."""

        def __init__(self, units=4, **kwargs):
            inputs = lib.Input((5,), name="features")
            hidden = layers.Dense(units, activation="relu", name="hidden")(inputs)
            outputs = layers.Dense(3, name="head")(hidden)
            super().__init__(inputs, outputs, **kwargs)
            self.units = units

        def get_config(self):
            return {**super().get_config(), "units": self.units}

        def doubled(self, x):
            return 2 * self(x)

    @register
    class Penalized(layers.Layer):
        """A layer adding an activity penalty with add_loss."""

        def call(self, x):
            self.add_loss(0.01 * ops.sum(ops.square(x)))
            return x

    @register
    class WithAddLoss(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(
                4, activation="tanh", kernel_regularizer=lib.regularizers.L2(0.02), name="hidden"
            )
            self.penalty = Penalized(name="penalty")
            self.out = layers.Dense(3, name="out")

        def call(self, inputs):
            return self.out(self.penalty(self.hidden(inputs)))

    @register
    class CustomLoss(lib.Model):
        """compute_loss: the compiled loss plus a penalty on the predictions, in training only."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(4, activation="relu", name="hidden")
            self.out = layers.Dense(3, name="out")

        def call(self, inputs):
            return self.out(self.hidden(inputs))

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = super().compute_loss(x, y, y_pred, sample_weight, training=training)
            if training:
                loss = loss + 0.1 * ops.mean(ops.abs(y_pred))
            return loss

    @register
    class CustomMetrics(CustomLoss):
        """compute_metrics: the compiled metrics plus the mean prediction (a raw value)."""

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            results["mean_prediction"] = ops.mean(y_pred)
            return results

    @register
    class AutoEncoder(lib.Model):
        """No targets: the reconstruction error is an add_loss term."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encode = layers.Dense(2, activation="tanh", name="encode")
            self.decode = layers.Dense(5, name="decode")

        def call(self, inputs):
            reconstruction = self.decode(self.encode(inputs))
            self.add_loss(ops.mean(ops.square(reconstruction - inputs)))
            return reconstruction

    return types.SimpleNamespace(
        MLP=MLP,
        TwoInputs=TwoInputs,
        FunctionalSubclass=FunctionalSubclass,
        Penalized=Penalized,
        WithAddLoss=WithAddLoss,
        CustomLoss=CustomLoss,
        CustomMetrics=CustomMetrics,
        AutoEncoder=AutoEncoder,
    )


def sequential_deferred(lib):
    """The most common first lines of a Keras script: no Input, compile, fit."""
    layers = lib.layers
    return lib.Sequential([layers.Dense(16, activation="relu", name="d1"), layers.Dense(3, name="d2")], name="seq")


def sequential_free_length(lib):
    """Built from sequences of length 10; global pooling leaves the length free."""
    layers = lib.layers
    return lib.Sequential(
        [layers.Conv1D(4, 3, activation="relu", name="conv"), layers.GlobalMaxPooling1D(name="pool"), layers.Dense(2)],
        name="conv_seq",
    )


def sequential_built(lib):
    """build((None, None)): an embedding and an LSTM over sequences of any length."""
    layers = lib.layers
    model = lib.Sequential(
        [layers.Embedding(20, 4, name="embed"), layers.LSTM(5, name="lstm"), layers.Dense(1, name="out")],
        name="built_seq",
    )
    model.build((None, None))
    return model


# Each training case: (name, model maker(lib, classes), inputs maker, targets maker or None,
# compile arguments maker(lib)). The inputs first build the model with an eager call (for
# subclassed models) unless the case builds on fit.
def _sgd(lib, **kwargs):
    return dict(optimizer=lib.optimizers.SGD(learning_rate=LEARNING_RATE), **kwargs)


TRAINING_CASES = {
    "sequential_deferred": dict(
        make=lambda lib, c: sequential_deferred(lib),
        x=lambda: data(1, (SAMPLES, 5)),
        y=lambda: data(2, (SAMPLES, 3)),
        compile=lambda lib: _sgd(lib, loss="mse", metrics=["mae"]),
        build_on_fit=True,
    ),
    "subclassed_mlp": dict(
        make=lambda lib, c: c.MLP(units=6, name="mlp"),
        x=lambda: data(3, (SAMPLES, 5)),
        y=lambda: data(4, (SAMPLES, 3)),
        compile=lambda lib: _sgd(lib, loss="mse"),
    ),
    "subclassed_dict_inputs": dict(
        make=lambda lib, c: c.TwoInputs(name="two_inputs"),
        x=lambda: {"num": data(5, (SAMPLES, 4)), "cat": data(6, (SAMPLES, 3), "int32", high=10)},
        y=lambda: data(7, (SAMPLES, 2)),
        compile=lambda lib: _sgd(lib, loss="mse", metrics=["mae"]),
    ),
    "functional_subclass": dict(
        make=lambda lib, c: c.FunctionalSubclass(units=4, name="functional_subclass"),
        x=lambda: data(8, (SAMPLES, 5)),
        y=lambda: data(9, (SAMPLES, 3)),
        compile=lambda lib: _sgd(lib, loss="mse"),
    ),
    "add_loss": dict(
        make=lambda lib, c: c.WithAddLoss(name="with_add_loss"),
        x=lambda: data(10, (SAMPLES, 5)),
        y=lambda: data(11, (SAMPLES, 3)),
        compile=lambda lib: _sgd(lib, loss="mse"),
    ),
    "compute_loss": dict(
        make=lambda lib, c: c.CustomLoss(name="custom_loss"),
        x=lambda: data(12, (SAMPLES, 5)),
        y=lambda: data(13, (SAMPLES, 3)),
        compile=lambda lib: _sgd(lib, loss="mse"),
    ),
    "compute_metrics": dict(
        make=lambda lib, c: c.CustomMetrics(name="custom_metrics"),
        x=lambda: data(14, (SAMPLES, 5)),
        y=lambda: data(15, (SAMPLES, 3)),
        compile=lambda lib: _sgd(lib, loss="mse", metrics=["mae"]),
    ),
    "no_targets": dict(
        make=lambda lib, c: c.AutoEncoder(name="auto_encoder"),
        x=lambda: data(16, (SAMPLES, 5)),
        y=None,
        compile=lambda lib: _sgd(lib),
    ),
}


def first_batch(x):
    """The first two samples of x (any structure), to build a model with an eager call."""
    if isinstance(x, dict):
        return {k: v[:2] for k, v in x.items()}
    return x[:2]


# Models saved to files by one library and loaded by the other: built, with seeded weights.
FILE_CASES = ("sequential_deferred", "sequential_built", "subclassed_mlp", "functional_subclass")
FILE_INPUTS = {
    "sequential_deferred": lambda: data(20, (6, 5)),
    "sequential_built": lambda: data(21, (6, 7), "int32", high=20),
    "subclassed_mlp": lambda: data(22, (6, 5)),
    "functional_subclass": lambda: data(23, (6, 5)),
}


def file_model(lib, classes, case):
    """The model of a file case, built by a call on its inputs, with seeded weights, compiled."""
    if case == "sequential_built":
        model = sequential_built(lib)
    else:
        model = TRAINING_CASES[case]["make"](lib, classes)
        model(FILE_INPUTS[case]()[:2])
    model.set_weights(initial_weights(model, 100 + FILE_CASES.index(case)))
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=LEARNING_RATE), loss="mse")
    return model
