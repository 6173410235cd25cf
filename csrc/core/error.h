// Engine errors. Every failure that input from Python can trigger is thrown as
// dagnet::Error and surfaces in Python as the builtin exception its kind names.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace dagnet {

enum class ErrorKind { Value, Type, Index, Memory, Runtime };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Concatenate any streamable values into one message.
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

template <typename... Parts>
[[noreturn]] void fail(ErrorKind kind, const Parts&... parts) {
  throw Error(kind, cat(parts...));
}

template <typename... Parts>
void check(bool condition, ErrorKind kind, const Parts&... parts) {
  if (!condition) fail(kind, parts...);
}

}  // namespace dagnet
