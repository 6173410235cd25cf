#include "graph/training.h"

#include "graph/autodiff.h"

namespace dagnet {

Trainer::Trainer(std::shared_ptr<Graph> graph, ValueId loss, std::vector<ValueId> params, OptimizerConfig optimizer,
                 std::vector<ValueId> extra_fetches, ExecutorOptions options)
    : graph_(std::move(graph)), params_(std::move(params)), config_(std::move(optimizer)) {
  check(graph_ != nullptr, ErrorKind::Value, "Trainer needs a graph");
  check(config_.name == "sgd", ErrorKind::Value, "unknown optimizer '", config_.name, "' (available: sgd)");
  check(config_.learning_rate >= 0, ErrorKind::Value, "learning rate must be >= 0, got ", config_.learning_rate);
  check(config_.momentum >= 0 && config_.momentum <= 1, ErrorKind::Value, "SGD momentum must be in [0, 1], got ",
        config_.momentum);
  for (ValueId p : params_)
    check(graph_->value(p).kind == ValueKind::Param, ErrorKind::Value, "'", graph_->value(p).name,
          "' is not a parameter and cannot be trained");

  gradients_ = add_gradients(*graph_, loss, params_);

  learning_rate_ = Tensor::zeros({}, DType::f64);
  set_learning_rate(config_.learning_rate);
  ValueId lr = graph_->add_param("optimizer/learning_rate", learning_rate_);
  Attrs attrs;
  attrs.set("momentum", config_.momentum);
  attrs.set("nesterov", static_cast<int64_t>(config_.nesterov));
  std::vector<NodeId> updates;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Value& p = graph_->value(params_[i]);
    std::vector<ValueId> inputs{params_[i], gradients_[i], lr};
    std::vector<ValueId> slots;
    if (config_.momentum > 0) {
      std::string name = "optimizer/" + p.name + "/momentum";
      slots.push_back(graph_->add_param(name, Tensor::zeros(p.spec.shape, p.spec.dtype)));
      inputs.push_back(slots.back());
    }
    std::string name = "optimizer/" + graph_->value(params_[i]).name + "/sgd_update";
    graph_->add_node("sgd_update", inputs, attrs, name);
    updates.push_back(static_cast<NodeId>(graph_->num_nodes() - 1));
    slots_.push_back(slots);
  }
  std::vector<ValueId> fetches{loss};
  fetches.insert(fetches.end(), extra_fetches.begin(), extra_fetches.end());
  executor_ = std::make_unique<Executor>(graph_, fetches, updates, options);
}

std::vector<Tensor> Trainer::step(const std::vector<Tensor>& feeds) { return executor_->run(feeds); }

double Trainer::learning_rate() const { return *learning_rate_.data<double>(); }

void Trainer::set_learning_rate(double lr) {
  check(lr >= 0, ErrorKind::Value, "learning rate must be >= 0, got ", lr);
  *learning_rate_.data<double>() = lr;
}

}  // namespace dagnet
