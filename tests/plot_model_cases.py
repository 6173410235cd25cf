"""Models and model_to_dot calls whose graphs real Keras 3.15 drew into
fixtures/keras3_plot_model.json (regenerate: tests/fixtures/make/keras3_plot_model.py, in an
environment with Keras and pydot). `K` is the keras or dagnet module."""

ALL_ON = dict(
    show_shapes=True, show_dtype=True, show_layer_names=True, show_layer_activations=True, show_trainable=True
)


def cases(K):
    L = K.layers
    x = K.Input((8,), name="features")
    h = L.Dense(16, activation="relu", name="hidden")(x)
    mlp = K.Model(x, L.Dense(3, activation="softmax", name="probs")(L.Dropout(0.5, name="drop")(h)), name="mlp")

    a, b = K.Input((6,), name="left"), K.Input((6,), name="right")
    shared = L.Dense(4, name="shared")
    merged = L.concatenate([shared(a), shared(b)], name="merge")
    frozen = L.Dense(2, name="frozen")
    frozen.trainable = False
    siamese = K.Model([a, b], [frozen(merged), L.Dense(1, activation="sigmoid", name="same")(merged)], name="siamese")

    inner_in = K.Input((6,), name="inner_in")
    inner = K.Model(inner_in, L.Dense(5, activation="tanh", name="inner_dense")(inner_in), name="inner")
    stack = K.Sequential(
        [K.Input((5,), name="stack_in"), L.Dense(3, name="stack_a"), L.Dense(2, name="stack_b")], name="stack"
    )
    o_in = K.Input((6,), name="outer_in")
    outer = K.Model(o_in, L.Dense(1, name="outer_head")(stack(inner(o_in))), name="outer")

    seq_inner = K.Sequential([K.Input((4,), name="si_in"), L.Dense(4, name="si_dense")], name="seq_inner")
    seq = K.Sequential(
        [
            K.Input((4,), name="seq_in"),
            L.Dense(4, activation="relu", name="seq_first"),
            seq_inner,
            L.Dense(1, name="seq_last"),
        ],
        name="seq",
    )

    img = K.Input((12, 12, 3), name="image")
    conv = L.Conv2D(4, 3, activation="relu", name="conv")(img)
    cnn = K.Model(img, L.Dense(2, name="logits")(L.Flatten(name="flat")(L.MaxPooling2D(name="pool")(conv))), name="cnn")

    tokens = K.Input((7,), dtype="int32", name="tokens")
    embedded = L.Embedding(20, 3, name="embed")(tokens)
    text = K.Model(tokens, L.GlobalAveragePooling1D(name="avg")(embedded), name="text")

    return [
        ("mlp_defaults", mlp, {}),
        ("mlp_all", mlp, ALL_ON),
        (
            "mlp_class_names_lr",
            mlp,
            dict(show_layer_names=False, show_shapes=True, rankdir="LR", dpi=96, splines="curved"),
        ),
        ("siamese_all", siamese, ALL_ON),
        ("outer_collapsed", outer, ALL_ON),
        ("outer_expanded", outer, dict(ALL_ON, expand_nested=True)),
        ("seq_collapsed", seq, dict(show_shapes=True)),
        ("seq_expanded", seq, dict(show_shapes=True, expand_nested=True)),
        ("cnn_shapes", cnn, dict(show_shapes=True, show_layer_activations=True)),
        ("text_dtype", text, dict(show_dtype=True, show_shapes=True)),
    ]


def describe(dot) -> dict:
    """A pydot graph as comparable data: nodes by label (node ids are object ids), edges as
    label pairs, the graph's and each cluster's attributes."""
    labels = {}

    def collect(graph):
        for node in graph.get_nodes():
            if node.get_name() not in ("node", "edge", "graph"):
                labels[node.get_name()] = node.get("label")
        for sub in graph.get_subgraphs():
            collect(sub)

    def walk(graph):
        nodes = [node for node in graph.get_nodes() if node.get_name() not in ("node", "edge", "graph")]
        return {
            "attributes": {k: str(v) for k, v in sorted(graph.get_attributes().items())},
            "name": graph.get_name(),
            "nodes": sorted(labels[n.get_name()] for n in nodes),
            "node_attributes": sorted(
                {str(sorted((k, str(v)) for k, v in n.get_attributes().items() if k != "label")) for n in nodes}
            ),
            "edges": sorted(
                [labels[e.get_source()], labels[e.get_destination()], str(sorted(e.get_attributes().items()))]
                for e in graph.get_edges()
            ),
            "clusters": [walk(sub) for sub in graph.get_subgraphs()],
        }

    collect(dot)
    return walk(dot)
