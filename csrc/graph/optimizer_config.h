// The optimizer's configuration as one table. OptimizerConfig holds every field with
// Keras's default; optimizer_fields() names each one once. The bindings (Python's
// Trainer(...) keywords and export_native's program dicts), the Trainer's checks and the
// program files (.dgn) all fill and read a config through this table, so a field added
// here travels everywhere, and a name that is not here is refused with its name.
#pragma once
#include <string>
#include <vector>

namespace dagnet {

// Hyper-parameters of the supported optimizers (Keras names and defaults); each
// optimizer reads the ones it has.
struct OptimizerConfig {
  std::string name = "sgd";  // one of optimizer_kinds()
  double learning_rate = 0.01;
  double momentum = 0.0;     // sgd, rmsprop
  bool nesterov = false;     // sgd
  double beta_1 = 0.9;       // adam, adamax, nadam
  double beta_2 = 0.999;     // adam, adamax, nadam
  double epsilon = 1e-7;     // all but sgd
  bool amsgrad = false;      // adam
  double rho = 0.9;          // rmsprop, adadelta (Keras's default there is 0.95)
  bool centered = false;     // rmsprop
  double initial_accumulator_value = 0.1;  // adagrad, ftrl
  // ftrl (Keras's defaults). Lion and Lamb read beta_1 / beta_2 above: Keras's Lion default
  // beta_2 is 0.99, not this table's 0.999, so a native Lion run names it (Python's Lion does).
  double learning_rate_power = -0.5;
  double l1_regularization_strength = 0.0, l2_regularization_strength = 0.0;
  double l2_shrinkage_regularization_strength = 0.0, beta = 0.0;
  // adafactor (relative_step changes nothing in Keras 3's formula; it is carried for the config)
  double beta_2_decay = -0.8, epsilon_1 = 1e-30, epsilon_2 = 1e-3, clip_threshold = 1.0;
  bool relative_step = true;
  // Keras 3 base-optimizer options (0 = off). Gradients are clipped first (clipnorm per
  // variable, else global_clipnorm over all, else clipvalue elementwise), then
  // weight_decay shrinks each parameter (p -= p * wd * lr) before its update.
  double clipnorm = 0.0, global_clipnorm = 0.0, clipvalue = 0.0, weight_decay = 0.0;
};

// One field of OptimizerConfig: a number or a flag (exactly one member pointer is set).
struct OptimizerField {
  const char* name;
  double OptimizerConfig::* number;
  bool OptimizerConfig::* flag;
};

const std::vector<OptimizerField>& optimizer_fields();
const std::vector<std::string>& optimizer_kinds();  // sgd, adam, rmsprop, ...
// A ValueError naming `name` and the kinds there are, unless it is one of them.
void check_optimizer_kind(const std::string& name);

// A field's value as a number (a flag as 0 or 1).
double optimizer_field(const OptimizerConfig& config, const OptimizerField& field);
// Sets the field called `name`; a name the table does not have is a ValueError naming it.
void set_optimizer_field(OptimizerConfig& config, const std::string& name, double value);

}  // namespace dagnet
