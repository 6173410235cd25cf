"""The eight seed models in the Keras functional API, written once for every framework
that speaks it: `k` is `dagnet` or `keras` (Keras 3 on JAX or TensorFlow). Each builder
returns the compiled model; no metrics, so every framework does the same work per step.
"""

from specs import LOSS_WEIGHTS


def mlp(k):
    x = k.Input(shape=(64,))
    h = k.layers.Dense(32, activation="relu")(x)
    h = k.layers.Dense(32, activation="relu")(h)
    model = k.Model(x, k.layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def _inception_module(k, x, filters):
    def conv(t, f, size, strides):
        return k.layers.Conv2D(f, size, strides=strides, padding="same", activation="elu")(t)

    a = conv(x, filters, 1, 2)
    b = conv(conv(x, filters, 1, 1), filters, 3, 2)
    c = conv(conv(x, filters, 1, 1), filters, 5, 2)
    d = conv(k.layers.MaxPooling2D(3, strides=1, padding="same")(x), filters, 1, 2)
    return k.layers.Concatenate()([a, b, c, d])


def _inception_features(k, x):
    """Two modules (10 then 40 filters per branch), flattened, Dense 100 (the seed's sub-network)."""
    h = _inception_module(k, _inception_module(k, x, 10), 40)
    return k.layers.Dense(100, activation="elu")(k.layers.Flatten()(h))


def inception(k):
    x = k.Input(shape=(32, 32, 3))
    h = k.layers.Dense(20, activation="elu")(_inception_features(k, x))
    model = k.Model(x, k.layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer=k.optimizers.Adam(learning_rate=1e-4), loss="binary_crossentropy")
    return model


def dual_inception(k):
    image = k.Input(shape=(32, 32, 3))
    subnet = k.Model(image, _inception_features(k, image))
    a, b = k.Input(shape=(32, 32, 3)), k.Input(shape=(32, 32, 3))
    h = k.layers.Dense(20, activation="elu")(k.layers.concatenate([subnet(a), subnet(b)]))
    model = k.Model([a, b], k.layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer=k.optimizers.Adam(learning_rate=1e-4), loss="binary_crossentropy")
    return model


def text_qa(k):
    text, question = k.Input(shape=(None,), dtype="int32"), k.Input(shape=(None,), dtype="int32")
    encoded_text = k.layers.LSTM(32)(k.layers.Embedding(10000, 64)(text))
    encoded_question = k.layers.LSTM(16)(k.layers.Embedding(10000, 32)(question))
    answer = k.layers.Dense(500, activation="softmax")(k.layers.concatenate([encoded_text, encoded_question]))
    model = k.Model([text, question], answer)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def siamese_lstm(k):
    a, b = k.Input(shape=(140, 256)), k.Input(shape=(140, 256))
    shared = k.layers.LSTM(64)
    merged = k.layers.concatenate([shared(a), shared(b)])
    model = k.Model([a, b], k.layers.Dense(1, activation="sigmoid")(merged))
    model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    return model


def conv1d_multi(k):
    posts = k.Input(shape=(None,), dtype="int32")
    x = k.layers.Embedding(50000, 256)(posts)
    x = k.layers.Conv1D(128, 5, activation="relu")(x)
    x = k.layers.MaxPooling1D(5)(x)
    x = k.layers.Conv1D(256, 5, activation="relu")(x)
    x = k.layers.Conv1D(256, 5, activation="relu")(x)
    x = k.layers.MaxPooling1D(5)(x)
    x = k.layers.Conv1D(256, 5, activation="relu")(x)
    x = k.layers.Conv1D(256, 5, activation="relu")(x)
    x = k.layers.Dense(128, activation="relu")(k.layers.GlobalMaxPooling1D()(x))
    outputs = [
        k.layers.Dense(1)(x),
        k.layers.Dense(10, activation="softmax")(x),
        k.layers.Dense(1, activation="sigmoid")(x),
    ]
    model = k.Model(posts, outputs)
    model.compile(
        optimizer="rmsprop",
        loss=["mse", "categorical_crossentropy", "binary_crossentropy"],
        loss_weights=LOSS_WEIGHTS["conv1d_multi"],
    )
    return model


def resnet_block(k):
    def conv(t, size=3, strides=1, activation="relu"):
        return k.layers.Conv2D(128, size, strides=strides, padding="same", activation=activation)(t)

    x = k.Input(shape=(32, 32, 128))
    y = k.layers.add([conv(conv(conv(x))), x])  # identity shortcut
    z = k.layers.MaxPooling2D(2, strides=2)(conv(conv(y)))
    z = k.layers.add([z, conv(y, 1, 2, None)])  # linear 1x1 projection shortcut
    model = k.Model(x, k.layers.Dense(10, activation="softmax")(k.layers.GlobalAveragePooling2D()(z)))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model


def headline(k):
    words, aux = k.Input(shape=(100,), dtype="int32"), k.Input(shape=(5,))
    lstm_out = k.layers.LSTM(32)(k.layers.Embedding(10000, 512)(words))
    aux_output = k.layers.Dense(1, activation="sigmoid")(lstm_out)
    x = k.layers.concatenate([lstm_out, aux])
    for _ in range(3):
        x = k.layers.Dense(64, activation="relu")(x)
    model = k.Model([words, aux], [k.layers.Dense(1, activation="sigmoid")(x), aux_output])
    # One loss per output: Keras 3 no longer spreads a single loss over weighted outputs.
    model.compile(optimizer="rmsprop", loss=["binary_crossentropy"] * 2, loss_weights=LOSS_WEIGHTS["headline"])
    return model


BUILDERS = {
    f.__name__: f for f in [mlp, inception, dual_inception, text_qa, siamese_lstm, conv1d_multi, resnet_block, headline]
}
