#include "graph/optimizer_config.h"

#include <algorithm>

#include "core/error.h"

namespace dagnet {

const std::vector<OptimizerField>& optimizer_fields() {
  using C = OptimizerConfig;
  static const std::vector<OptimizerField> fields = {
      {"learning_rate", &C::learning_rate, nullptr},
      {"momentum", &C::momentum, nullptr},
      {"nesterov", nullptr, &C::nesterov},
      {"beta_1", &C::beta_1, nullptr},
      {"beta_2", &C::beta_2, nullptr},
      {"epsilon", &C::epsilon, nullptr},
      {"amsgrad", nullptr, &C::amsgrad},
      {"rho", &C::rho, nullptr},
      {"centered", nullptr, &C::centered},
      {"initial_accumulator_value", &C::initial_accumulator_value, nullptr},
      {"learning_rate_power", &C::learning_rate_power, nullptr},
      {"l1_regularization_strength", &C::l1_regularization_strength, nullptr},
      {"l2_regularization_strength", &C::l2_regularization_strength, nullptr},
      {"l2_shrinkage_regularization_strength", &C::l2_shrinkage_regularization_strength, nullptr},
      {"beta", &C::beta, nullptr},
      {"beta_2_decay", &C::beta_2_decay, nullptr},
      {"epsilon_1", &C::epsilon_1, nullptr},
      {"epsilon_2", &C::epsilon_2, nullptr},
      {"clip_threshold", &C::clip_threshold, nullptr},
      {"relative_step", nullptr, &C::relative_step},
      {"clipnorm", &C::clipnorm, nullptr},
      {"global_clipnorm", &C::global_clipnorm, nullptr},
      {"clipvalue", &C::clipvalue, nullptr},
      {"weight_decay", &C::weight_decay, nullptr},
  };
  return fields;
}

const std::vector<std::string>& optimizer_kinds() {
  static const std::vector<std::string> kinds = {"sgd",   "adam", "rmsprop", "adagrad", "adadelta", "adamax",
                                                 "nadam", "lion", "ftrl",    "lamb",    "adafactor"};
  return kinds;
}

namespace {
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

void check_optimizer_kind(const std::string& name) {
  const auto& kinds = optimizer_kinds();
  check(std::find(kinds.begin(), kinds.end(), name) != kinds.end(), ErrorKind::Value, "unknown optimizer '", name,
        "' (available: ", joined(kinds), ")");
}

double optimizer_field(const OptimizerConfig& config, const OptimizerField& field) {
  return field.number ? config.*field.number : (config.*field.flag ? 1.0 : 0.0);
}

void set_optimizer_field(OptimizerConfig& config, const std::string& name, double value) {
  for (const OptimizerField& field : optimizer_fields()) {
    if (name != field.name) continue;
    if (field.number) config.*field.number = value;
    else config.*field.flag = value != 0;
    return;
  }
  std::vector<std::string> known;
  for (const OptimizerField& field : optimizer_fields()) known.push_back(field.name);
  fail(ErrorKind::Value, "unknown optimizer option '", name, "': the native optimizer configuration has ",
       joined(known));
}

}  // namespace dagnet
