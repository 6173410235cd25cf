// libFuzzer target: the tensor-file reader (write_tensors / dagnet-bench --inputs). Any
// input must give tensors or a dagnet::Error; a crash, a sanitizer report, another
// exception or an allocation past the limits is a finding.
#include <cstdint>
#include <sstream>
#include <string>

#include "graph/serialize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    for (const dagnet::Tensor& t : dagnet::read_tensors(in, size, "fuzz input")) (void)t.nbytes();
  } catch (const dagnet::Error&) {}
  return 0;
}
