// Registers every op family into the op table; runtime/init.cpp calls it once.
// Explicit calls rather than static initialisers, which a static library would drop.
#pragma once

namespace dagnet {

void register_all_ops();

void register_matmul_ops();
void register_dense_ops();
void register_activation_ops();
void register_add_ops();
void register_concatenate_ops();
void register_loss_ops();
void register_elementwise_ops();
void register_constraint_ops();
void register_metrics_ops();
void register_reshape_ops();
void register_embedding_ops();
void register_regularizer_ops();
void register_optimizer_ops();
void register_more_optimizer_ops();  // lion, ftrl, lamb, adafactor
void register_conv_ops();
void register_conv_transpose_ops();
void register_depthwise_ops();
void register_pad_ops();
void register_pooling_ops();
void register_recurrent_ops();  // lstm, gru, simple_rnn
void register_binary_ops();
void register_unary_ops();
void register_reduce_axes_ops();
void register_transpose_ops();
void register_slice_ops();
void register_expand_ops();
void register_batch_matmul_ops();
void register_cast_ops();
void register_dropout_ops();
void register_attention_ops();
void register_random_ops();
void register_resize_ops();
void register_affine_transform_ops();
void register_random_uniform_ops();
void register_normalization_ops();
void register_collective_ops();  // allreduce_start, allreduce_wait

}  // namespace dagnet
