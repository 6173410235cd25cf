#include "graph/attrs.h"

namespace dagnet {

const char* attr_type_name(AttrType type) {
  switch (type) {
    case AttrType::Int: return "int";
    case AttrType::Float: return "float";
    case AttrType::String: return "str";
    case AttrType::IntList: return "list of int";
  }
  return "?";
}

int64_t Attrs::get_int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : std::get<int64_t>(it->second);
}

double Attrs::get_float(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return std::get<double>(it->second);
}

std::string Attrs::get_string(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : std::get<std::string>(it->second);
}

std::vector<int64_t> Attrs::get_ints(const std::string& name, const std::vector<int64_t>& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : std::get<std::vector<int64_t>>(it->second);
}

}  // namespace dagnet
