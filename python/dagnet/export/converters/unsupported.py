"""The native ops that have no ONNX converter, and why: most cannot occur in the graph
`predict` runs (what export writes); affine_transform can, and has no converter (export
refuses it by name, as converters/image.py refuses the resize options ONNX cannot
express). A test checks that every registered native op has a converter or an entry here,
so a new op must decide which."""

from __future__ import annotations

_BACKWARD = "a backward-pass op (autodiff emits it for training), never part of a prediction graph"
_TRAINING_STEP = "an optimizer or training-step op, never part of a prediction graph"
_STATE = "a state update (it writes a variable): ONNX models hold no state, and prediction graphs no updates"
_LOSS = "a loss or metric op: training and evaluation compute it against targets, never a prediction graph"
_AUGMENTATION = (
    "draws the random image layers' numbers, in training only (identity at inference): never a prediction graph"
)
_IMAGE_RESAMPLING = (
    "no ONNX converter: TensorFlow's ImageProjectiveTransformV3 sampling (projective maps; fill modes constant "
    "with a fill value, nearest, reflect, wrap) would be GridSample over a grid built in the graph, whose "
    "padding modes have neither 'wrap' nor a non-zero fill; a model with ops.image.affine_transform or the "
    "random geometric layers called in training cannot be exported"
)

_NOISE = (
    "draws the noise and dropout layers' numbers (rng_draw advances their counters), in training only "
    "(identity at inference): never a prediction graph"
)
_BITCAST = (
    "no ONNX converter: ONNX's operator set has no reinterpretation of a tensor's bytes as another dtype "
    "(keras.ops.view), so a model that views bits cannot be exported"
)

_GROUPS = {
    _BACKWARD: (
        "activation_grad affine_transform_grad attention_grad avg_pool1d_grad avg_pool2d_grad binary_grad "
        "conv1d_grad_input "
        "conv1d_grad_kernel conv2d_grad_input conv2d_grad_kernel conv3d_grad_input conv3d_grad_kernel conv_grad_bias "
        "depthwise_conv1d_grad_input depthwise_conv1d_grad_kernel depthwise_conv2d_grad_input "
        "depthwise_conv2d_grad_kernel avg_pool3d_grad max_pool3d_grad embedding_grad global_avg_pool_grad "
        "global_max_pool_grad gru_grad l1_penalty_grad l2_penalty_grad lstm_grad max_pool1d_grad max_pool2d_grad "
        "normalize_grad reduce_grad resize_grad simple_rnn_grad slice_grad split_like sum_leading_axes sum_to_shape "
        "unary_grad where_grad"
    ),
    _TRAINING_STEP: (
        "adadelta_update adafactor_update adagrad_update adam_update adamax_update allreduce_start allreduce_wait "
        "constrain ftrl_update increment_counter lamb_update lion_update nadam_schedule nadam_update rmsprop_update "
        "sgd_update"
    ),
    _STATE: "assign moving_average_update",
    _AUGMENTATION: "random_uniform",
    _NOISE: "random_normal rng_draw",
    _IMAGE_RESAMPLING: "affine_transform",
    _BITCAST: "bitcast",
    _LOSS: (
        "accuracy binary_crossentropy binary_crossentropy_logits categorical_crossentropy "
        "categorical_crossentropy_logits categorical_hinge cosine_similarity hinge huber kl_divergence log_cosh mae "
        "mean_absolute_percentage_error mean_squared_logarithmic_error mse poisson sparse_categorical_crossentropy "
        "sparse_categorical_crossentropy_logits squared_hinge"
    ),
}
_GRADIENTS_OF_LOSSES = " ".join(f"{name}_grad" for name in _GROUPS[_LOSS].split() if name != "accuracy")

# native op name -> why it has no ONNX converter
NOT_EXPORTED: dict[str, str] = {
    name: reason
    for reason, names in {**_GROUPS, _BACKWARD: _GROUPS[_BACKWARD] + " " + _GRADIENTS_OF_LOSSES}.items()
    for name in names.split()
}
