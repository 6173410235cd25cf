#include "ops/register_ops.h"

namespace dagnet {

void register_all_ops() {
  register_matmul_ops();
  register_dense_ops();
  register_activation_ops();
  register_add_ops();
  register_concatenate_ops();
  register_loss_ops();
  register_elementwise_ops();
  register_constraint_ops();
  register_metrics_ops();
  register_reshape_ops();
  register_embedding_ops();
  register_regularizer_ops();
  register_optimizer_ops();
  register_more_optimizer_ops();
  register_conv_ops();
  register_conv_transpose_ops();
  register_depthwise_ops();
  register_pad_ops();
  register_pooling_ops();
  register_recurrent_ops();
  register_binary_ops();
  register_unary_ops();
  register_reduce_axes_ops();
  register_transpose_ops();
  register_slice_ops();
  register_expand_ops();
  register_batch_matmul_ops();
  register_cast_ops();
  register_dropout_ops();
  register_attention_ops();
  register_random_ops();
  register_resize_ops();
  register_affine_transform_ops();
  register_random_uniform_ops();
  register_normalization_ops();
  register_collective_ops();
}

}  // namespace dagnet
