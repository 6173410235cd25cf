#include "graph/training.h"

#include <algorithm>
#include <cmath>

#include "graph/autodiff.h"

namespace dagnet {

void check_state_updates(const Graph& graph, const std::vector<NodeId>& updates, const std::vector<ValueId>& params) {
  for (NodeId id : updates) {
    check(id >= 0 && static_cast<size_t>(id) < graph.num_nodes(), ErrorKind::Value, "state update: no node ", id);
    const Node& node = graph.node(id);
    check(!node.op->mutates.empty(), ErrorKind::Value, "state update '", node.name, "' (", node.op->name,
          ") writes nothing: a state update must be an op that writes its input in place");
    for (int k : node.op->mutates) {
      const Value& target = graph.value(node.inputs[static_cast<size_t>(k)]);
      check(target.kind == ValueKind::Param, ErrorKind::Value, "state update '", node.name, "' writes '", target.name,
            "', which is not a parameter");
      for (ValueId p : params)
        check(p != target.id, ErrorKind::Value, "state update '", node.name, "' writes '", target.name,
              "', which the optimizer trains");
    }
  }
}

namespace {
Attrs attrs_of_beta_1(double beta_1) {
  Attrs a;
  a.set("beta_1", beta_1);
  return a;
}
}  // namespace

Trainer::Trainer(std::shared_ptr<Graph> graph, ValueId loss, std::vector<ValueId> params, OptimizerConfig optimizer,
                 std::vector<ValueId> extra_fetches, ExecutorOptions options, std::vector<ParamConstraint> constraints,
                 std::vector<NodeId> state_updates, GradientAllreduce allreduce)
    : graph_(std::move(graph)),
      params_(std::move(params)),
      state_updates_(std::move(state_updates)),
      config_(std::move(optimizer)) {
  check(graph_ != nullptr, ErrorKind::Value, "Trainer needs a graph");
  device_ = options.device;
  const std::string& name = config_.name;
  check_optimizer_kind(name);
  check(config_.learning_rate >= 0, ErrorKind::Value, "learning rate must be >= 0, got ", config_.learning_rate);
  check(config_.momentum >= 0 && config_.momentum <= 1, ErrorKind::Value, "momentum must be in [0, 1], got ",
        config_.momentum);
  check(config_.epsilon >= 0, ErrorKind::Value, "epsilon must be >= 0, got ", config_.epsilon);
  for (ValueId p : params_)
    check(graph_->value(p).kind == ValueKind::Param, ErrorKind::Value, "'", graph_->value(p).name,
          "' is not a parameter and cannot be trained");

  check_state_updates(*graph_, state_updates_, params_);
  gradients_ = add_gradients(*graph_, loss, params_);
  // Data-parallel: every process's gradients become their mean over the global batch
  // before clipping, so clipnorm sees what one process training on it all would.
  if (allreduce.enabled) gradients_ = add_gradient_allreduce(*graph_, gradients_, allreduce.bucket_bytes);
  clip_gradients();

  learning_rate_ = Tensor::zeros({}, DType::f64, device_);
  set_learning_rate(config_.learning_rate);
  iterations_ = Tensor::zeros({}, DType::i64, device_);
  ValueId lr = graph_->add_param("optimizer/learning_rate", learning_rate_);
  ValueId iterations = graph_->add_param("optimizer/iterations", iterations_);
  u_product_ = Tensor::scalar(1.0, DType::f64, device_);
  std::vector<NodeId> updates = state_updates_;
  ValueId u_product = kNoValue;
  if (name == "nadam") {
    // Keras advances u_product = u_1 ... u_t once per step, before the variable updates:
    // the updates read the advanced value, which is then written back to the state.
    const ValueId state = graph_->add_param("optimizer/u_product", u_product_);
    u_product = graph_->add_node("nadam_schedule", {state, iterations}, attrs_of_beta_1(config_.beta_1),
                                 "optimizer/nadam_schedule")[0];
    graph_->add_node("assign", {state, u_product}, {}, "optimizer/u_product/assign");
    updates.push_back(static_cast<NodeId>(graph_->num_nodes() - 1));
  }
  for (size_t i = 0; i < params_.size(); ++i) updates.push_back(add_update(i, lr, iterations, u_product));
  // Built after the updates, so each runs after its parameter's update (writers of one
  // value keep their build order).
  for (const ParamConstraint& c : constraints) {
    check(c.param_index < params_.size(), ErrorKind::Value, "constraint for parameter ", c.param_index, " of ",
          params_.size());
    const ValueId p = params_[c.param_index];
    graph_->add_node("constrain", {p}, c.attrs, "optimizer/" + graph_->value(p).name + "/constrain");
    updates.push_back(static_cast<NodeId>(graph_->num_nodes() - 1));
  }
  graph_->add_node("increment_counter", {iterations}, {}, "optimizer/increment_iterations");
  updates.push_back(static_cast<NodeId>(graph_->num_nodes() - 1));

  std::vector<ValueId> fetches{loss};
  fetches.insert(fetches.end(), extra_fetches.begin(), extra_fetches.end());
  executor_ = std::make_unique<Executor>(graph_, fetches, updates, options);
}

NodeId Trainer::add_update(size_t index, ValueId lr, ValueId iterations, ValueId u_product) {
  const ValueId param = params_[index];
  const TensorSpec spec = graph_->value(param).spec;
  const std::string prefix = "optimizer/" + graph_->value(param).name + "/";
  std::vector<ValueId> slots;
  auto slot = [&](const char* slot_name, double initial = 0.0, const Shape* shape = nullptr) {
    Tensor t = Tensor::zeros(shape ? *shape : spec.shape, spec.dtype);
    if (initial != 0.0) {
      if (spec.dtype == DType::f64) std::fill(t.data<double>(), t.data<double>() + t.numel(), initial);
      else std::fill(t.data<float>(), t.data<float>() + t.numel(), static_cast<float>(initial));
    }
    t = t.to(graph_->value(param).data.device());  // slots live beside their parameter
    slots.push_back(graph_->add_param(prefix + slot_name, t));
    return slots.back();
  };
  Attrs attrs;
  if (config_.weight_decay != 0) attrs.set("weight_decay", config_.weight_decay);
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
  } else if (config_.name == "adagrad") {
    op = "adagrad_update";
    attrs.set("epsilon", config_.epsilon);
    inputs.push_back(slot("accumulator", config_.initial_accumulator_value));
  } else if (config_.name == "adadelta") {
    op = "adadelta_update";
    attrs.set("rho", config_.rho);
    attrs.set("epsilon", config_.epsilon);
    inputs.push_back(slot("accumulated_grad"));
    inputs.push_back(slot("accumulated_delta_var"));
  } else if (config_.name == "adamax" || config_.name == "nadam") {
    op = config_.name + "_update";
    attrs.set("beta_1", config_.beta_1);
    attrs.set("beta_2", config_.beta_2);
    attrs.set("epsilon", config_.epsilon);
    inputs.push_back(iterations);
    if (u_product != kNoValue) inputs.push_back(u_product);
    inputs.push_back(slot(config_.name == "nadam" ? "momentum" : "m"));
    inputs.push_back(slot(config_.name == "nadam" ? "velocity" : "norm"));
  } else if (config_.name == "lion" || config_.name == "ftrl" || config_.name == "lamb" ||
             config_.name == "adafactor") {
    // Slots and their names as Keras 3 makes them (Adafactor: r and c only for rank >= 2).
    op = config_.name + "_update";
    if (config_.name == "lion" || config_.name == "lamb") {
      attrs.set("beta_1", config_.beta_1);
      attrs.set("beta_2", config_.beta_2);
    }
    if (config_.name == "lamb") attrs.set("epsilon", config_.epsilon);
    if (config_.name == "lamb" || config_.name == "adafactor") inputs.push_back(iterations);
    if (config_.name == "lion") {
      inputs.push_back(slot("momentum"));
    } else if (config_.name == "lamb") {
      inputs.push_back(slot("momentum"));
      inputs.push_back(slot("velocity"));
    } else if (config_.name == "ftrl") {
      attrs.set("learning_rate_power", config_.learning_rate_power);
      attrs.set("l1_regularization_strength", config_.l1_regularization_strength);
      attrs.set("l2_regularization_strength", config_.l2_regularization_strength);
      attrs.set("l2_shrinkage_regularization_strength", config_.l2_shrinkage_regularization_strength);
      attrs.set("beta", config_.beta);
      inputs.push_back(slot("accumulator", config_.initial_accumulator_value));
      inputs.push_back(slot("linear"));
    } else {
      attrs.set("beta_2_decay", config_.beta_2_decay);
      attrs.set("epsilon_1", config_.epsilon_1);
      attrs.set("epsilon_2", config_.epsilon_2);
      attrs.set("clip_threshold", config_.clip_threshold);
      if (spec.shape.size() >= 2) {
        const Shape rows(spec.shape.begin(), spec.shape.end() - 1);
        Shape cols(spec.shape.begin(), spec.shape.end() - 2);
        cols.push_back(spec.shape.back());
        inputs.push_back(slot("r", 0.0, &rows));
        inputs.push_back(slot("c", 0.0, &cols));
      } else {
        // Keras keeps two scalar placeholders (0) for an unfactored variable; they are saved
        // with its state, so they are slots here too, read by nothing.
        const Shape scalar;
        slot("r", 0.0, &scalar);
        slot("c", 0.0, &scalar);
      }
      inputs.push_back(slot("velocity"));
    }
  } else {
    op = "rmsprop_update";
    attrs.set("rho", config_.rho);
    attrs.set("momentum", config_.momentum);
    attrs.set("epsilon", config_.epsilon);
    attrs.set("centered", static_cast<int64_t>(config_.centered));
    inputs.push_back(slot("velocity"));
    if (config_.momentum > 0) inputs.push_back(slot("momentum"));
    if (config_.centered) inputs.push_back(slot("average_gradient"));
  }
  graph_->add_node(op, inputs, attrs, prefix + op);
  slots_.push_back(slots);
  return static_cast<NodeId>(graph_->num_nodes() - 1);
}

// Keras's _clip_gradients as graph nodes: g * c / max(||g||, c) per variable (clipnorm),
// g * c / max(global norm, c) (global_clipnorm), or clip(g, -c, c) (clipvalue).
void Trainer::clip_gradients() {
  const double c = config_.clipnorm > 0          ? config_.clipnorm
                   : config_.global_clipnorm > 0 ? config_.global_clipnorm
                                                 : config_.clipvalue;
  if (!(c > 0) || gradients_.empty()) return;
  auto binary = [&](const char* kind, ValueId a, ValueId b) {
    Attrs attrs;
    attrs.set("kind", std::string(kind));
    return graph_->add_node("binary", {a, b}, attrs, std::string("optimizer/clip/") + kind)[0];
  };
  auto constant = [&](const TensorSpec& spec, double value, const std::string& name) {
    return graph_->add_param("optimizer/clip/" + name, Tensor::scalar(value, spec.dtype, device_));
  };
  auto squared_norm = [&](ValueId g) {
    Attrs sq, sum;
    sq.set("kind", std::string("square"));
    sum.set("kind", std::string("sum"));
    sum.set("axes", std::vector<int64_t>{});
    sum.set("keepdims", int64_t{0});
    ValueId squared = graph_->add_node("unary", {g}, sq, "optimizer/clip/square")[0];
    return graph_->add_node("reduce", {squared}, sum, "optimizer/clip/sum")[0];
  };
  auto sqrt = [&](ValueId x) {
    Attrs a;
    a.set("kind", std::string("sqrt"));
    return graph_->add_node("unary", {x}, a, "optimizer/clip/sqrt")[0];
  };
  if (config_.clipnorm > 0 || config_.global_clipnorm > 0) {
    ValueId global = kNoValue;
    if (config_.clipnorm <= 0) {
      ValueId total = kNoValue;
      for (ValueId g : gradients_) {
        ValueId s = squared_norm(g);
        if (graph_->value(s).spec.dtype != graph_->value(gradients_[0]).spec.dtype) continue;
        total = total == kNoValue ? s : binary("add", total, s);
      }
      global = sqrt(total);
    }
    for (ValueId& g : gradients_) {
      const TensorSpec spec = graph_->value(g).spec;
      ValueId cv = constant(spec, c, "c");
      ValueId norm = global != kNoValue ? global : sqrt(squared_norm(g));
      g = binary("divide", binary("multiply", g, cv), binary("maximum", norm, cv));
    }
  } else {
    for (ValueId& g : gradients_) {
      const TensorSpec spec = graph_->value(g).spec;
      g = binary("minimum", binary("maximum", g, constant(spec, -c, "low")), constant(spec, c, "high"));
    }
  }
}

std::vector<Tensor> Trainer::step(const std::vector<Tensor>& feeds) { return executor_->run(feeds); }

std::vector<std::vector<Tensor>> Trainer::steps(const std::vector<std::vector<Tensor>>& feeds_per_step) {
  return executor_->run_many(feeds_per_step);
}

double Trainer::learning_rate() const { return learning_rate_.item(); }

void Trainer::set_learning_rate(double lr) {
  check(lr >= 0, ErrorKind::Value, "learning rate must be >= 0, got ", lr);
  learning_rate_.set_item(lr);
}

}  // namespace dagnet
