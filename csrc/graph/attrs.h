// Node attributes: a small typed dictionary. Ops declare which names they accept and
// the type of each, so a misspelt or mistyped attribute is an error at graph build.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace dagnet {

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>>;

enum class AttrType { Int, Float, String, IntList };
const char* attr_type_name(AttrType type);

struct AttrSpec {
  std::string name;
  AttrType type;
};

class Attrs {
 public:
  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_float(const std::string& name, double fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& fallback) const;
  const std::map<std::string, AttrValue>& values() const { return values_; }

 private:
  std::map<std::string, AttrValue> values_;
};

}  // namespace dagnet
