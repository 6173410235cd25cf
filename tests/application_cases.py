"""The keras.applications configurations checked against Keras 3, written once for both
libraries. tests/fixtures/make/keras3_applications.py builds each case under Keras 3 and
records its numbers in fixtures/keras3_applications.json; tests/test_applications*.py build
the same cases under dagnet and compare. This module never imports keras.

STRUCTURE cases compare parameter counts, output shape, layer names and classes, and the
weight paths and shapes in get_weights() order. FORWARD cases also run a small batch through
the model with deterministic weights (`deterministic_weights`, the same on both sides, from
each weight's name and shape) and compare the outputs."""

import hashlib
import json

import numpy as np

FIXTURE = "keras3_applications.json"

# fmt: off
# (case id, module, builder, keyword arguments)
STRUCTURE = [
    ("vgg16_top10", "vgg16", "VGG16", {"weights": None, "input_shape": (32, 32, 3), "classes": 10}),
    ("vgg16_default", "vgg16", "VGG16", {"weights": None}),
    ("vgg19_notop_max", "vgg19", "VGG19", {"weights": None, "include_top": False, "pooling": "max"}),
    ("resnet50_default", "resnet", "ResNet50", {"weights": None}),
    ("resnet50_notop", "resnet50", "ResNet50", {"weights": None, "include_top": False, "input_shape": (64, 80, 3)}),
    ("resnet101_top10", "resnet", "ResNet101", {"weights": None, "classes": 10}),
    ("resnet152_notop_avg", "resnet", "ResNet152", {"weights": None, "include_top": False, "pooling": "avg"}),
    ("resnet50v2_default", "resnet_v2", "ResNet50V2", {"weights": None}),
    ("resnet101v2_notop_max", "resnet_v2", "ResNet101V2", {"weights": None, "include_top": False, "pooling": "max"}),
    ("resnet152v2_top7", "resnet_v2", "ResNet152V2", {"weights": None, "classes": 7}),
    ("mobilenet_default", "mobilenet", "MobileNet", {"weights": None}),
    ("mobilenet_a050_dm2", "mobilenet", "MobileNet",
     {"weights": None, "alpha": 0.5, "depth_multiplier": 2, "input_shape": (160, 160, 3), "classes": 12}),
    ("mobilenet_notop_avg", "mobilenet", "MobileNet", {"weights": None, "include_top": False, "pooling": "avg"}),
    ("mobilenetv2_default", "mobilenet_v2", "MobileNetV2", {"weights": None}),
    ("mobilenetv2_a140_96", "mobilenet_v2", "MobileNetV2",
     {"weights": None, "alpha": 1.4, "input_shape": (96, 96, 3), "classes": 3}),
    ("mobilenetv2_a035_notop", "mobilenet_v2", "MobileNetV2",
     {"weights": None, "alpha": 0.35, "include_top": False, "input_shape": (96, 96, 3)}),
    ("mobilenetv3small_default", "mobilenet_v3", "MobileNetV3Small", {"weights": None}),
    ("mobilenetv3small_min_a075", "mobilenet_v3", "MobileNetV3Small",
     {"weights": None, "minimalistic": True, "alpha": 0.75, "include_top": False, "pooling": "max"}),
    ("mobilenetv3large_default", "mobilenet_v3", "MobileNetV3Large",
     {"weights": None, "input_shape": (224, 224, 3), "classes": 10, "include_preprocessing": False}),
    ("mobilenetv3large_a125_notop", "mobilenet_v3", "MobileNetV3Large",
     {"weights": None, "alpha": 1.25, "include_top": False, "pooling": "avg", "dropout_rate": 0.0}),
    ("densenet121_default", "densenet", "DenseNet121", {"weights": None}),
    ("densenet169_notop", "densenet", "DenseNet169", {"weights": None, "include_top": False, "pooling": "avg"}),
    ("densenet201_top10", "densenet", "DenseNet201", {"weights": None, "classes": 10, "input_shape": (64, 64, 3)}),
    ("efficientnetb0_default", "efficientnet", "EfficientNetB0", {"weights": None}),
    ("efficientnetb1_notop", "efficientnet", "EfficientNetB1", {"weights": None, "include_top": False}),
    ("efficientnetb2_top10", "efficientnet", "EfficientNetB2", {"weights": None, "classes": 10}),
    ("efficientnetb3_notop_avg", "efficientnet", "EfficientNetB3",
     {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (64, 64, 3)}),
    ("efficientnetb4_notop_max", "efficientnet", "EfficientNetB4",
     {"weights": None, "include_top": False, "pooling": "max", "input_shape": (64, 64, 3)}),
    ("efficientnetb5_top3", "efficientnet", "EfficientNetB5", {"weights": None, "classes": 3}),
    ("efficientnetb6_notop", "efficientnet", "EfficientNetB6", {"weights": None, "include_top": False}),
    ("efficientnetb7_default", "efficientnet", "EfficientNetB7", {"weights": None}),
    ("efficientnetv2b0_default", "efficientnet_v2", "EfficientNetV2B0", {"weights": None}),
    ("efficientnetv2b1_notop", "efficientnet_v2", "EfficientNetV2B1",
     {"weights": None, "include_top": False, "pooling": "avg"}),
    ("efficientnetv2b2_top10", "efficientnet_v2", "EfficientNetV2B2", {"weights": None, "classes": 10}),
    ("efficientnetv2b3_noprep", "efficientnet_v2", "EfficientNetV2B3",
     {"weights": None, "include_preprocessing": False, "include_top": False}),
    ("efficientnetv2s_default", "efficientnet_v2", "EfficientNetV2S", {"weights": None}),
    ("efficientnetv2m_notop", "efficientnet_v2", "EfficientNetV2M", {"weights": None, "include_top": False}),
    ("efficientnetv2l_top5", "efficientnet_v2", "EfficientNetV2L",
     {"weights": None, "classes": 5, "input_shape": (96, 96, 3)}),
    ("xception_default", "xception", "Xception", {"weights": None}),
    ("xception_notop_avg", "xception", "Xception",
     {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (71, 71, 3)}),
    ("inceptionv3_default", "inception_v3", "InceptionV3", {"weights": None}),
    ("inceptionv3_notop_max", "inception_v3", "InceptionV3", {"weights": None, "include_top": False, "pooling": "max"}),
    ("inceptionresnetv2_default", "inception_resnet_v2", "InceptionResNetV2", {"weights": None}),
    ("inceptionresnetv2_notop_avg", "inception_resnet_v2", "InceptionResNetV2",
     {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (75, 75, 3)}),
    ("convnexttiny_default", "convnext", "ConvNeXtTiny", {"weights": None}),
    ("convnextsmall_notop_avg", "convnext", "ConvNeXtSmall", {"weights": None, "include_top": False, "pooling": "avg"}),
    ("convnextbase_top10", "convnext", "ConvNeXtBase",
     {"weights": None, "classes": 10, "input_shape": (64, 64, 3), "include_preprocessing": False}),
    ("convnextlarge_notop_max", "convnext", "ConvNeXtLarge", {"weights": None, "include_top": False, "pooling": "max"}),
    ("convnextxlarge_notop", "convnext", "ConvNeXtXLarge", {"weights": None, "include_top": False}),
    ("nasnetmobile_default", "nasnet", "NASNetMobile", {"weights": None}),
    ("nasnetmobile_notop_avg", "nasnet", "NASNetMobile", {"weights": None, "include_top": False, "pooling": "avg"}),
    ("nasnetlarge_default", "nasnet", "NASNetLarge", {"weights": None}),
    ("nasnetlarge_notop_max", "nasnet", "NASNetLarge",
     {"weights": None, "include_top": False, "pooling": "max", "input_shape": (64, 64, 3)}),
]

# (case id, module, builder, keyword arguments, input shape with batch)
FORWARD = [
    ("vgg16_fwd", "vgg16", "VGG16",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 5, "classifier_activation": None}, (2, 32, 32, 3)),
    ("resnet50_fwd", "resnet50", "ResNet50",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 6, "classifier_activation": None}, (2, 32, 32, 3)),
    ("resnet50v2_fwd", "resnet_v2", "ResNet50V2",
     {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (40, 32, 3)}, (1, 40, 32, 3)),
    ("mobilenet_fwd", "mobilenet", "MobileNet",
     {"weights": None, "alpha": 0.25, "input_shape": (32, 32, 3), "classes": 4, "classifier_activation": None},
     (2, 32, 32, 3)),
    ("mobilenetv2_fwd", "mobilenet_v2", "MobileNetV2",
     {"weights": None, "alpha": 0.35, "input_shape": (33, 35, 3), "classes": 4, "classifier_activation": None},
     (2, 33, 35, 3)),
    ("mobilenetv3small_fwd", "mobilenet_v3", "MobileNetV3Small",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 4, "classifier_activation": None}, (2, 32, 32, 3)),
    ("mobilenetv3large_fwd", "mobilenet_v3", "MobileNetV3Large",
     {"weights": None, "minimalistic": True, "include_top": False, "pooling": "avg"}, (1, 40, 48, 3)),
    ("densenet121_fwd", "densenet", "DenseNet121",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 3, "classifier_activation": None}, (2, 32, 32, 3)),
    ("efficientnetb0_fwd", "efficientnet", "EfficientNetB0",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 3, "classifier_activation": None}, (2, 32, 32, 3)),
    ("efficientnetv2b0_fwd", "efficientnet_v2", "EfficientNetV2B0",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 3, "classifier_activation": None}, (2, 32, 32, 3)),
    ("efficientnetv2s_fwd", "efficientnet_v2", "EfficientNetV2S",
     {"weights": None, "include_top": False, "pooling": "avg"}, (1, 32, 36, 3)),
    ("xception_fwd", "xception", "Xception",
     {"weights": None, "input_shape": (71, 71, 3), "classes": 3, "classifier_activation": None}, (1, 71, 71, 3)),
    ("inceptionv3_fwd", "inception_v3", "InceptionV3",
     {"weights": None, "input_shape": (75, 75, 3), "classes": 3, "classifier_activation": None}, (1, 75, 75, 3)),
    ("inceptionresnetv2_fwd", "inception_resnet_v2", "InceptionResNetV2",
     {"weights": None, "include_top": False, "pooling": "max"}, (1, 75, 80, 3)),
    ("convnexttiny_fwd", "convnext", "ConvNeXtTiny",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 3, "classifier_activation": None}, (2, 32, 32, 3)),
    ("nasnetmobile_fwd", "nasnet", "NASNetMobile",
     {"weights": None, "input_shape": (32, 32, 3), "classes": 3, "classifier_activation": None}, (2, 32, 32, 3)),
]

# Arguments Keras refuses with a ValueError (the fixture keeps its message).
ERRORS = [
    ("vgg16_weights", "vgg16", "VGG16", {"weights": "no_such_file.h5"}),
    ("vgg16_classes", "vgg16", "VGG16", {"weights": "imagenet", "classes": 10}),
    ("vgg16_small", "vgg16", "VGG16", {"weights": None, "input_shape": (16, 16, 3)}),
    ("vgg16_not_static", "vgg16", "VGG16", {"weights": None, "input_shape": (None, None, 3)}),
    ("vgg16_imagenet_shape", "vgg16", "VGG16", {"weights": "imagenet", "input_shape": (64, 64, 3)}),
    ("vgg19_rank", "vgg19", "VGG19", {"weights": None, "include_top": False, "input_shape": (64, 64)}),
    ("vgg19_channels", "vgg19", "VGG19", {"weights": "imagenet", "include_top": False, "input_shape": (64, 64, 1)}),
    ("mobilenetv2_activation", "mobilenet_v2", "MobileNetV2",
     {"weights": "imagenet", "alpha": 0.35, "classifier_activation": "relu"}),
    ("resnet50_weights", "resnet", "ResNet50", {"weights": "nope"}),
    ("resnet50v2_classes", "resnet_v2", "ResNet50V2", {"weights": "imagenet", "classes": 7}),
    ("mobilenet_weights", "mobilenet", "MobileNet", {"weights": "nope"}),
    ("mobilenet_depth_multiplier", "mobilenet", "MobileNet", {"weights": "imagenet", "depth_multiplier": 2}),
    ("mobilenet_alpha", "mobilenet", "MobileNet", {"weights": "imagenet", "alpha": 0.3}),
    ("mobilenetv2_weights", "mobilenet_v2", "MobileNetV2", {"weights": "nope"}),
    ("mobilenetv2_classes", "mobilenet_v2", "MobileNetV2", {"weights": "imagenet", "classes": 3}),
    ("mobilenetv2_alpha", "mobilenet_v2", "MobileNetV2", {"weights": "imagenet", "alpha": 0.3}),
    ("mobilenetv3_weights", "mobilenet_v3", "MobileNetV3Small", {"weights": "nope"}),
    ("mobilenetv3_classes", "mobilenet_v3", "MobileNetV3Small", {"weights": "imagenet", "classes": 3}),
    ("mobilenetv3_small_input", "mobilenet_v3", "MobileNetV3Small", {"weights": None, "input_shape": (16, 16, 3)}),
    ("mobilenetv3_alpha", "mobilenet_v3", "MobileNetV3Large", {"weights": "imagenet", "alpha": 0.5}),
    ("densenet_weights", "densenet", "DenseNet121", {"weights": "nope"}),
    ("densenet_classes", "densenet", "DenseNet169", {"weights": "imagenet", "classes": 3}),
    ("efficientnet_weights", "efficientnet", "EfficientNetB0", {"weights": "nope"}),
    ("efficientnet_classes", "efficientnet", "EfficientNetB3", {"weights": "imagenet", "classes": 3}),
    ("efficientnetv2_weights", "efficientnet_v2", "EfficientNetV2B0", {"weights": "nope"}),
    ("efficientnetv2_classes", "efficientnet_v2", "EfficientNetV2S", {"weights": "imagenet", "classes": 3}),
    ("xception_weights", "xception", "Xception", {"weights": "nope"}),
    ("xception_classes", "xception", "Xception", {"weights": "imagenet", "classes": 3}),
    ("xception_small", "xception", "Xception", {"weights": None, "include_top": False, "input_shape": (70, 70, 3)}),
    ("inceptionv3_weights", "inception_v3", "InceptionV3", {"weights": "nope"}),
    ("inceptionv3_classes", "inception_v3", "InceptionV3", {"weights": "imagenet", "classes": 3}),
    ("inceptionv3_small", "inception_v3", "InceptionV3",
     {"weights": None, "include_top": False, "input_shape": (74, 80, 3)}),
    ("inceptionresnetv2_weights", "inception_resnet_v2", "InceptionResNetV2", {"weights": "nope"}),
    ("inceptionresnetv2_classes", "inception_resnet_v2", "InceptionResNetV2", {"weights": "imagenet", "classes": 3}),
    ("convnext_weights", "convnext", "ConvNeXtTiny", {"weights": "nope"}),
    ("convnext_classes", "convnext", "ConvNeXtBase", {"weights": "imagenet", "classes": 3}),
    ("nasnet_weights", "nasnet", "NASNetMobile", {"weights": "nope"}),
    ("nasnet_classes", "nasnet", "NASNetMobile", {"weights": "imagenet", "classes": 3}),
    ("nasnet_not_static", "nasnet", "NASNetLarge",
     {"weights": "imagenet", "include_top": False, "input_shape": (None, None, 3)}),
]

# weights="imagenet": the file Keras downloads (name, URL, cache folder, hash) for each.
IMAGENET = [
    ("vgg16_notop", "vgg16", "VGG16", {"include_top": False}),
    ("vgg19_notop", "vgg19", "VGG19", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("resnet50_top", "resnet", "ResNet50", {}),
    ("resnet152_notop", "resnet", "ResNet152", {"include_top": False}),
    ("resnet101v2_notop", "resnet_v2", "ResNet101V2", {"include_top": False}),
    ("resnet50v2_top", "resnet_v2", "ResNet50V2", {}),
    ("mobilenet_top_a050_128", "mobilenet", "MobileNet", {"alpha": 0.5, "input_shape": (128, 128, 3)}),
    ("mobilenet_notop_odd", "mobilenet", "MobileNet", {"include_top": False, "input_shape": (100, 120, 3)}),
    ("mobilenetv2_notop_a140_96", "mobilenet_v2", "MobileNetV2",
     {"include_top": False, "alpha": 1.4, "input_shape": (96, 96, 3)}),
    ("mobilenetv2_top", "mobilenet_v2", "MobileNetV2", {"alpha": 0.35}),
    ("mobilenetv3small_min_notop", "mobilenet_v3", "MobileNetV3Small", {"include_top": False, "minimalistic": True}),
    ("mobilenetv3large_top_a075", "mobilenet_v3", "MobileNetV3Large", {"alpha": 0.75}),
    ("densenet121_top", "densenet", "DenseNet121", {}),
    ("densenet201_notop", "densenet", "DenseNet201", {"include_top": False}),
    ("efficientnetb0_notop", "efficientnet", "EfficientNetB0", {"include_top": False}),
    ("efficientnetb3_top", "efficientnet", "EfficientNetB3", {}),
    ("efficientnetv2b0_top", "efficientnet_v2", "EfficientNetV2B0", {}),
    ("efficientnetv2s_notop", "efficientnet_v2", "EfficientNetV2S", {"include_top": False}),
    ("xception_notop", "xception", "Xception", {"include_top": False}),
    ("inceptionv3_top", "inception_v3", "InceptionV3", {}),
    ("inceptionresnetv2_notop", "inception_resnet_v2", "InceptionResNetV2", {"include_top": False}),
    ("convnexttiny_top", "convnext", "ConvNeXtTiny", {}),
    ("convnextsmall_notop", "convnext", "ConvNeXtSmall", {"include_top": False}),
    ("nasnetmobile_notop", "nasnet", "NASNetMobile", {"include_top": False}),
    ("nasnetmobile_top", "nasnet", "NASNetMobile", {}),
]

# Weight files written by Keras 3 (legacy tf.keras .h5 as the ImageNet files are, and .weights.h5)
# holding `pattern_weights`; fixtures/keras3_applications_<id>.<format>.gz.
WEIGHT_FILES = [
    ("mobilenet_a025", "mobilenet", "MobileNet",
     {"weights": None, "alpha": 0.25, "include_top": False, "input_shape": (32, 32, 3)}),
    ("mobilenetv3small_min", "mobilenet_v3", "MobileNetV3Small",
     {"weights": None, "alpha": 0.75, "minimalistic": True, "include_top": False, "input_shape": (32, 32, 3)}),
]

PREPROCESS_MODULES = [
    "imagenet_utils", "vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2", "mobilenet_v3",
    "densenet", "efficientnet", "efficientnet_v2", "xception", "inception_v3", "inception_resnet_v2",
    "convnext", "nasnet",
]
# fmt: on


def all_cases():
    """Every case as (id, module, builder, kwargs): the structure ones then the forward ones."""
    return STRUCTURE + [case[:4] for case in FORWARD]


def digest(items):
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def describe(model):
    """What a structure case compares, in JSON-ready form."""
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    total = sum(int(np.prod(w.shape)) for w in model.weights)
    layer_list = [[layer.name, type(layer).__name__] for layer in model.layers]
    weight_list = [[_layer_and_name(w.path), list(w.shape)] for w in model.weights]
    return {
        "edge_digest": digest(edges(model)),
        "total": total,
        "trainable": trainable,
        "output_shape": list(model.output.shape),
        "layers": len(layer_list),
        "layer_digest": digest(layer_list),
        "weights": len(weight_list),
        "weight_digest": digest(weight_list),
    }


def describe_lists(model):
    """The full lists behind the digests (for finding the first difference by hand)."""
    return (
        [[layer.name, type(layer).__name__] for layer in model.layers],
        [[_layer_and_name(w.path), list(w.shape)] for w in model.weights],
    )


def edges(model):
    """Each layer's inputs, by producing layer, in order: the graph's connectivity (tensor
    operators such as `x + y` are operations, not layers, in both libraries: named "op")."""
    names = {id(layer): layer.name for layer in model.layers}
    result = []
    for layer in model.layers:
        for node in layer._inbound_nodes:
            sources = [names.get(id(t._keras_history[0]), "op") for t in node.input_tensors]
            result.append([layer.name, sources])
    return result


def _layer_and_name(path):
    """A variable's path without the name scopes Keras's NASNet opens around its layers
    (dagnet has no backend.name_scope): "layer/variable"."""
    return "/".join(path.split("/")[-2:])


def deterministic_weights(model):
    """Weights fixed by each variable's name, shape and position: kernels scaled by their fan-in
    so activations stay of order one through a deep network; variances and scales near one."""
    values = []
    for index, w in enumerate(model.weights):
        shape = tuple(w.shape)
        n = int(np.prod(shape)) if shape else 1
        wave = np.sin(np.arange(n, dtype=np.float64) * 0.7 + 1.3 * index).reshape(shape)
        name = w.name
        if "variance" in name:
            value = 1.0 + 0.2 * np.abs(wave)
        elif name == "count":
            value = np.full(shape, 1.0)
        elif name == "gamma" or name == "scale":
            value = 1.0 + 0.1 * wave
        elif "kernel" in name or name == "embeddings":
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            if name == "depthwise_kernel":
                fan_in = int(np.prod(shape[:-2]))
            value = wave * (1.7 / np.sqrt(max(fan_in, 1)))
        else:
            value = 0.05 * wave
        values.append(np.asarray(value, dtype=str(w.dtype)))
    return values


def pattern_weights(model):
    """Weights that tell variables apart (a level per position) and compress well, for the
    weight-file fixtures."""
    values = []
    for index, w in enumerate(model.weights):
        shape = tuple(w.shape)
        n = int(np.prod(shape)) if shape else 1
        value = (index % 13 + 1) * 0.01 + (np.arange(n) % 5).reshape(shape) * 0.001
        values.append(np.asarray(value, dtype=str(w.dtype)))
    return values


def forward_input(shape):
    n = int(np.prod(shape))
    return (np.cos(np.arange(n) * 0.37) * 0.8).reshape(shape).astype("float32")


def preprocess_inputs():
    """(label, array, data_format) inputs for preprocess_input: 4-D and 3-D, both layouts."""
    base = (np.arange(2 * 3 * 4 * 3, dtype=np.float64) * 7.3 % 255.0).reshape(2, 3, 4, 3)
    return [
        ("nhwc", base.astype("float32"), "channels_last"),
        ("hwc", base[0].astype("float32"), "channels_last"),
        ("nchw", base.transpose(0, 3, 1, 2).astype("float32"), "channels_first"),
        ("chw", base[0].transpose(2, 0, 1).astype("float32"), "channels_first"),
        ("uint8", base.astype("uint8"), "channels_last"),
    ]
