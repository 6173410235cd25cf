#include "graph/training.h"

#include "graph/autodiff.h"

namespace dagnet {

Trainer::Trainer(std::shared_ptr<Graph> graph, ValueId loss, std::vector<ValueId> params, OptimizerConfig optimizer,
                 std::vector<ValueId> extra_fetches, ExecutorOptions options)
    : graph_(std::move(graph)), params_(std::move(params)), config_(std::move(optimizer)) {
  check(graph_ != nullptr, ErrorKind::Value, "Trainer needs a graph");
  const std::string& name = config_.name;
  check(name == "sgd" || name == "adam" || name == "rmsprop", ErrorKind::Value, "unknown optimizer '", name,
        "' (available: sgd, adam, rmsprop)");
  check(config_.learning_rate >= 0, ErrorKind::Value, "learning rate must be >= 0, got ", config_.learning_rate);
  check(config_.momentum >= 0 && config_.momentum <= 1, ErrorKind::Value, "momentum must be in [0, 1], got ",
        config_.momentum);
  check(config_.epsilon >= 0, ErrorKind::Value, "epsilon must be >= 0, got ", config_.epsilon);
  for (ValueId p : params_)
    check(graph_->value(p).kind == ValueKind::Param, ErrorKind::Value, "'", graph_->value(p).name,
          "' is not a parameter and cannot be trained");

  gradients_ = add_gradients(*graph_, loss, params_);

  learning_rate_ = Tensor::zeros({}, DType::f64);
  set_learning_rate(config_.learning_rate);
  iterations_ = Tensor::zeros({}, DType::i64);
  ValueId lr = graph_->add_param("optimizer/learning_rate", learning_rate_);
  ValueId iterations = graph_->add_param("optimizer/iterations", iterations_);
  std::vector<NodeId> updates;
  for (size_t i = 0; i < params_.size(); ++i) updates.push_back(add_update(i, lr, iterations));
  graph_->add_node("increment_counter", {iterations}, {}, "optimizer/increment_iterations");
  updates.push_back(static_cast<NodeId>(graph_->num_nodes() - 1));

  std::vector<ValueId> fetches{loss};
  fetches.insert(fetches.end(), extra_fetches.begin(), extra_fetches.end());
  executor_ = std::make_unique<Executor>(graph_, fetches, updates, options);
}

NodeId Trainer::add_update(size_t index, ValueId lr, ValueId iterations) {
  const ValueId param = params_[index];
  const TensorSpec spec = graph_->value(param).spec;
  const std::string prefix = "optimizer/" + graph_->value(param).name + "/";
  std::vector<ValueId> slots;
  auto slot = [&](const char* slot_name) {
    slots.push_back(graph_->add_param(prefix + slot_name, Tensor::zeros(spec.shape, spec.dtype)));
    return slots.back();
  };
  Attrs attrs;
  std::vector<ValueId> inputs{param, gradients_[index], lr};
  std::string op;
  if (config_.name == "sgd") {
    op = "sgd_update";
    attrs.set("momentum", config_.momentum);
    attrs.set("nesterov", static_cast<int64_t>(config_.nesterov));
    if (config_.momentum > 0) inputs.push_back(slot("momentum"));
  } else if (config_.name == "adam") {
    op = "adam_update";
    attrs.set("beta_1", config_.beta_1);
    attrs.set("beta_2", config_.beta_2);
    attrs.set("epsilon", config_.epsilon);
    attrs.set("amsgrad", static_cast<int64_t>(config_.amsgrad));
    inputs.push_back(iterations);
    inputs.push_back(slot("m"));
    inputs.push_back(slot("v"));
    if (config_.amsgrad) inputs.push_back(slot("v_hat"));
  } else {
    op = "rmsprop_update";
    attrs.set("rho", config_.rho);
    attrs.set("momentum", config_.momentum);
    attrs.set("epsilon", config_.epsilon);
    inputs.push_back(slot("velocity"));
    if (config_.momentum > 0) inputs.push_back(slot("momentum"));
  }
  graph_->add_node(op, inputs, attrs, prefix + op);
  slots_.push_back(slots);
  return static_cast<NodeId>(graph_->num_nodes() - 1);
}

std::vector<Tensor> Trainer::step(const std::vector<Tensor>& feeds) { return executor_->run(feeds); }

double Trainer::learning_rate() const { return *learning_rate_.data<double>(); }

void Trainer::set_learning_rate(double lr) {
  check(lr >= 0, ErrorKind::Value, "learning rate must be >= 0, got ", lr);
  *learning_rate_.data<double>() = lr;
}

}  // namespace dagnet
