// A training step as one native call: the graph gets backward nodes (autodiff) and one
// optimizer-update node per parameter, and one executor runs forward, loss, backward
// and the updates together, planned as a single schedule.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/executor.h"
#include "graph/gradient_allreduce.h"
#include "graph/optimizer_config.h"

namespace dagnet {

// A Keras weight constraint on params[param_index]: attributes of the `constrain` op,
// which runs right after that parameter's update, inside the same step.
struct ParamConstraint {
  size_t param_index;
  Attrs attrs;
};

// `state_updates` are nodes of the forward graph that write non-trainable state in place
// (ops with `mutates`, e.g. a batch norm's moving_average_update, or assign): the step runs
// them as effects, after the forward values they read and after every other reader of the
// state, so the step sees the old state and the next step the new one (CONTRIBUTING.md,
// "State updated inside a step").
// Throws a Value error unless every node writes (mutates) a parameter nobody trains.
void check_state_updates(const Graph& graph, const std::vector<NodeId>& updates, const std::vector<ValueId>& params);

class Trainer {
 public:
  Trainer(std::shared_ptr<Graph> graph, ValueId loss, std::vector<ValueId> params, OptimizerConfig optimizer,
          std::vector<ValueId> extra_fetches = {}, ExecutorOptions options = {},
          std::vector<ParamConstraint> constraints = {}, std::vector<NodeId> state_updates = {},
          GradientAllreduce allreduce = {});

  // Feeds follow executor().required_inputs(); returns the loss, then extra fetches.
  std::vector<Tensor> step(const std::vector<Tensor>& feeds);
  // Several steps in one call (Keras's steps_per_execution): one result list per step.
  std::vector<std::vector<Tensor>> steps(const std::vector<std::vector<Tensor>>& feeds_per_step);

  double learning_rate() const;
  void set_learning_rate(double lr);
  const std::vector<ValueId>& gradients() const { return gradients_; }
  const std::vector<ValueId>& params() const { return params_; }
  const std::vector<NodeId>& state_updates() const { return state_updates_; }
  // Optimizer slot values (e.g. momentum buffers), one list per parameter.
  const std::vector<std::vector<ValueId>>& slots() const { return slots_; }
  Executor& executor() { return *executor_; }
  // Completed training steps (Keras's optimizer.iterations).
  int64_t iterations() const { return iterations_.item_int(); }
  void set_iterations(int64_t steps) { iterations_.set_item_int(steps); }  // restoring a saved optimizer
  // Nadam's running product of its momentum schedule (Keras's scalar optimizer variable);
  // 1 for the other optimizers. A kernel advances it inside each step.
  double u_product() const { return u_product_.item(); }
  void set_u_product(double value) { u_product_.set_item(value); }

 private:
  void clip_gradients();
  NodeId add_update(size_t index, ValueId lr, ValueId iterations, ValueId u_product);

  std::shared_ptr<Graph> graph_;
  std::vector<ValueId> params_;
  std::vector<NodeId> state_updates_;
  std::vector<ValueId> gradients_;
  std::vector<std::vector<ValueId>> slots_;
  OptimizerConfig config_;
  Device device_;
  // Device scalars the step's kernels read and advance (on the executor's device), so a
  // step needs no host round trip and changing the rate needs no replanning.
  Tensor learning_rate_;  // float64
  Tensor iterations_;     // int64 step counter, advanced by increment_counter
  Tensor u_product_;      // float64 (nadam), advanced by nadam_schedule + assign
  std::unique_ptr<Executor> executor_;
};

}  // namespace dagnet
