// A training step as one native call: the graph gets backward nodes (autodiff) and one
// optimizer-update node per parameter, and one executor runs forward, loss, backward
// and the updates together, planned as a single schedule.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/executor.h"
#include "graph/optimizer_config.h"

namespace dagnet {

// A Keras weight constraint on params[param_index]: attributes of the `constrain` op,
// which runs right after that parameter's update, inside the same step.
struct ParamConstraint {
  size_t param_index;
  Attrs attrs;
};

class Trainer {
 public:
  Trainer(std::shared_ptr<Graph> graph, ValueId loss, std::vector<ValueId> params, OptimizerConfig optimizer,
          std::vector<ValueId> extra_fetches = {}, ExecutorOptions options = {},
          std::vector<ParamConstraint> constraints = {});

  // Feeds follow executor().required_inputs(); returns the loss, then extra fetches.
  std::vector<Tensor> step(const std::vector<Tensor>& feeds);

  double learning_rate() const;
  void set_learning_rate(double lr);
  const std::vector<ValueId>& gradients() const { return gradients_; }
  const std::vector<ValueId>& params() const { return params_; }
  // Optimizer slot values (e.g. momentum buffers), one list per parameter.
  const std::vector<std::vector<ValueId>>& slots() const { return slots_; }
  Executor& executor() { return *executor_; }
  // Completed training steps (Keras's optimizer.iterations).
  int64_t iterations() const { return *iterations_.data<int64_t>(); }
  void set_iterations(int64_t steps) { *iterations_.data<int64_t>() = steps; }  // restoring a saved optimizer
  // Nadam's running product of its momentum schedule (Keras's scalar optimizer variable);
  // 1 for the other optimizers.
  double u_product() const { return *u_product_.data<double>(); }
  void set_u_product(double value) { *u_product_.data<double>() = value; }

 private:
  void clip_gradients();
  NodeId add_update(size_t index, ValueId lr, ValueId iterations, ValueId u_product);

  std::shared_ptr<Graph> graph_;
  std::vector<ValueId> params_;
  std::vector<ValueId> gradients_;
  std::vector<std::vector<ValueId>> slots_;
  OptimizerConfig config_;
  Tensor learning_rate_;  // float64 scalar read by the update kernels, so changing it needs no replanning
  Tensor iterations_;     // int64 step counter
  Tensor u_product_;      // float64 scalar (nadam), advanced on the host before each step
  std::unique_ptr<Executor> executor_;
};

}  // namespace dagnet
