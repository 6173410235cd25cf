#include "graph/serialize.h"

#include <cstring>
#include <fstream>
#include <map>

namespace dagnet {

namespace {
// Format 3 added the state updates; 2 the optimizer options and constraints.
constexpr char kProgramMagic[8] = {'D', 'A', 'G', 'N', 'E', 'T', 'P', '3'};
constexpr char kTensorMagic[8] = {'D', 'A', 'G', 'N', 'E', 'T', 'T', '1'};

class Writer {
 public:
  explicit Writer(const std::string& path) : path_(path), out_(path, std::ios::binary) {
    check(out_.good(), ErrorKind::Value, "cannot write ", path);
  }
  void bytes(const void* p, size_t n) { out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n)); }
  template <typename T>
  void pod(T v) {
    bytes(&v, sizeof(T));
  }
  void str(const std::string& s) {
    pod<uint32_t>(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void shape(const Shape& s) {
    pod<uint32_t>(static_cast<uint32_t>(s.size()));
    for (int64_t d : s) pod<int64_t>(d);
  }
  void finish() {
    out_.flush();
    check(out_.good(), ErrorKind::Runtime, "writing ", path_, " failed");
  }

 private:
  std::string path_;
  std::ofstream out_;
};

// Reads a stream of known size. Every count and size read from it is checked against the
// bytes left before anything is allocated, so a few corrupt bytes cannot ask for gigabytes.
class Reader {
 public:
  Reader(std::istream& in, uint64_t size, std::string name) : in_(in), left_(size), name_(std::move(name)) {}
  void bytes(void* p, size_t n) {
    require_left(n);
    in_.read(static_cast<char*>(p), static_cast<std::streamsize>(n));
    check(static_cast<size_t>(in_.gcount()) == n, ErrorKind::Value, name_, " is truncated or corrupt");
    left_ -= n;
  }
  template <typename T>
  T pod() {
    T v;
    bytes(&v, sizeof(T));
    return v;
  }
  // A count of items each taking at least `min_item_bytes` in the file.
  uint32_t count(uint32_t limit, size_t min_item_bytes) {
    uint32_t n = pod<uint32_t>();
    check(n <= limit, ErrorKind::Value, name_, " is corrupt (a count of ", n, ")");
    require_left(static_cast<uint64_t>(n) * min_item_bytes);
    return n;
  }
  std::string str() {
    std::string s(count(1u << 20, 1), '\0');
    bytes(s.data(), s.size());
    return s;
  }
  Shape shape() {
    Shape s(count(64, sizeof(int64_t)));
    for (auto& d : s) d = pod<int64_t>();
    return s;
  }
  DType dtype() {
    uint8_t d = pod<uint8_t>();
    check(d <= static_cast<uint8_t>(DType::i64), ErrorKind::Value, name_, " is corrupt (dtype ", int(d), ")");
    return static_cast<DType>(d);
  }
  // A tensor of the given shape filled from the file; its size is checked first.
  Tensor tensor(const Shape& shape, DType dtype, const std::string& what) {
    for (int64_t d : shape)
      check(d >= 0, ErrorKind::Value, name_, " is corrupt (", what, " has shape ", shape_text(shape), ")");
    const uint64_t elements = static_cast<uint64_t>(num_elements(shape));  // overflow-checked
    check(elements <= left_ / dtype_size(dtype), ErrorKind::Value, name_, " is truncated or corrupt (", what,
          " of shape ", shape_text(shape), " needs more bytes than are left)");
    Tensor t = Tensor::empty(shape, dtype);
    this->bytes(t.raw(), t.nbytes());
    return t;
  }
  // A magic differing only in its last character (the format version) is another
  // version's file of the same kind, refused naming the version when `versioned`.
  void magic(const char (&expected)[8], bool versioned = false) {
    char m[8];
    bytes(m, 8);
    if (versioned && std::memcmp(m, expected, 7) == 0 && m[7] != expected[7])
      fail(ErrorKind::Value, name_, " was written by ", m[7] < expected[7] ? "an older" : "a newer",
           " dagnet (program format ", m[7], ", this one reads ", expected[7], "); export it again");
    check(std::memcmp(m, expected, 8) == 0, ErrorKind::Value, name_, " is not a dagnet file");
  }
  const std::string& name() const { return name_; }

 private:
  void require_left(uint64_t n) const { check(n <= left_, ErrorKind::Value, name_, " is truncated or corrupt"); }
  std::istream& in_;
  uint64_t left_;
  std::string name_;
};

// The smallest number of bytes each record takes in the file (for Reader::count).
constexpr size_t kMinValueBytes = 1 + 4 + 1 + 4 + 4;      // kind, name, dtype, rank, producer
constexpr size_t kMinNodeBytes = 4 + 4 + 4 + 4 + 4;       // op, name, inputs, outputs, attrs
constexpr size_t kMinAttrBytes = 4 + 1 + 4;               // key, type, smallest value (a string)
constexpr size_t kMinTensorBytes = 1 + 4;                 // dtype, rank

// An open file and its size, for a Reader.
struct InputFile {
  explicit InputFile(const std::string& path) : in(path, std::ios::binary | std::ios::ate) {
    check(in.good(), ErrorKind::Value, "cannot open ", path);
    size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
  }
  std::ifstream in;
  uint64_t size = 0;
};

void write_attrs(Writer& w, const Attrs& attrs) {
  w.pod<uint32_t>(static_cast<uint32_t>(attrs.values().size()));
  for (const auto& [key, value] : attrs.values()) {
    w.str(key);
    w.pod<uint8_t>(static_cast<uint8_t>(value.index()));
    if (auto* i = std::get_if<int64_t>(&value)) w.pod<int64_t>(*i);
    else if (auto* f = std::get_if<double>(&value)) w.pod<double>(*f);
    else if (auto* s = std::get_if<std::string>(&value)) w.str(*s);
    else w.shape(std::get<std::vector<int64_t>>(value));
  }
}

Attrs read_attrs(Reader& r) {
  Attrs attrs;
  for (uint32_t n = r.count(1024, kMinAttrBytes); n-- > 0;) {
    std::string key = r.str();
    switch (r.pod<uint8_t>()) {
      case 0: attrs.set(key, r.pod<int64_t>()); break;
      case 1: attrs.set(key, r.pod<double>()); break;
      case 2: attrs.set(key, r.str()); break;
      case 3: attrs.set(key, r.shape()); break;
      default: fail(ErrorKind::Value, r.name(), " is corrupt (attribute '", key, "')");
    }
  }
  return attrs;
}

void write_tensor_bytes(Writer& w, const Tensor& t) { w.bytes(t.raw(), t.nbytes()); }

void write_program(Writer& w, const Program& p) {
  const Graph& g = *p.graph;
  w.str(p.name);
  w.pod<uint32_t>(static_cast<uint32_t>(g.num_values()));
  for (size_t v = 0; v < g.num_values(); ++v) {
    const Value& value = g.value(static_cast<ValueId>(v));
    w.pod<uint8_t>(static_cast<uint8_t>(value.kind));
    w.str(value.name);
    w.pod<uint8_t>(static_cast<uint8_t>(value.spec.dtype));
    w.shape(value.spec.shape);
    w.pod<int32_t>(value.producer);
    if (value.kind == ValueKind::Param) write_tensor_bytes(w, value.data);
  }
  w.pod<uint32_t>(static_cast<uint32_t>(g.num_nodes()));
  for (size_t n = 0; n < g.num_nodes(); ++n) {
    const Node& node = g.node(static_cast<NodeId>(n));
    w.str(node.op->name);
    w.str(node.name);
    w.pod<uint32_t>(static_cast<uint32_t>(node.inputs.size()));
    for (ValueId in : node.inputs) w.pod<int32_t>(in);
    w.pod<uint32_t>(static_cast<uint32_t>(node.outputs.size()));
    write_attrs(w, node.attrs);
  }
  auto ids = [&](const std::vector<ValueId>& list) {
    w.pod<uint32_t>(static_cast<uint32_t>(list.size()));
    for (ValueId id : list) w.pod<int32_t>(id);
  };
  ids(p.fetches);
  w.pod<int32_t>(p.loss);
  ids(p.params);
  w.str(p.optimizer.name);
  w.pod<uint32_t>(static_cast<uint32_t>(optimizer_fields().size()));
  for (const OptimizerField& field : optimizer_fields()) {
    w.str(field.name);
    w.pod<double>(optimizer_field(p.optimizer, field));
  }
  w.pod<uint32_t>(static_cast<uint32_t>(p.constraints.size()));
  for (const ParamConstraint& c : p.constraints) {
    w.pod<uint32_t>(static_cast<uint32_t>(c.param_index));
    write_attrs(w, c.attrs);
  }
  ids(p.state_updates);
}

Program read_program(Reader& r) {
  Program p;
  p.name = r.str();
  p.graph = std::make_shared<Graph>();
  Graph& g = *p.graph;
  struct PendingValue {
    ValueKind kind;
    std::string name;
    DType dtype;
    Shape shape;
    int32_t producer;
    Tensor data;
  };
  std::vector<PendingValue> values(r.count(1u << 24, kMinValueBytes));
  for (auto& v : values) {
    uint8_t kind = r.pod<uint8_t>();
    check(kind <= 2, ErrorKind::Value, r.name(), " is corrupt (value kind ", int(kind), ")");
    v.kind = static_cast<ValueKind>(kind);
    v.name = r.str();
    v.dtype = r.dtype();
    v.shape = r.shape();
    v.producer = r.pod<int32_t>();
    if (v.kind == ValueKind::Param) v.data = r.tensor(v.shape, v.dtype, "parameter '" + v.name + "'");
  }
  struct PendingNode {
    std::string op, name;
    std::vector<ValueId> inputs;
    uint32_t outputs;
    Attrs attrs;
  };
  std::vector<PendingNode> nodes(r.count(1u << 24, kMinNodeBytes));
  for (auto& n : nodes) {
    n.op = r.str();
    n.name = r.str();
    n.inputs.resize(r.count(4096, sizeof(int32_t)));
    for (auto& id : n.inputs) id = r.pod<int32_t>();
    n.outputs = r.count(4096, 0);
    n.attrs = read_attrs(r);
  }
  // Replay in value order: a node is added when its first output's id comes up, and a
  // node without outputs (a state update) right after the node before it, so every value
  // and node id is the same as in the written graph.
  size_t next_node = 0;
  auto add_outputless = [&](size_t values_so_far) {
    for (; next_node < nodes.size() && nodes[next_node].outputs == 0; ++next_node) {
      const PendingNode& n = nodes[next_node];
      for (ValueId in : n.inputs)
        check(in >= 0 && static_cast<size_t>(in) < values_so_far, ErrorKind::Value, "corrupt program: node '", n.name,
              "' reads value ", in, " before it exists");
      check(g.add_node(n.op, n.inputs, n.attrs, n.name).empty(), ErrorKind::Value, "corrupt program: node '", n.name,
            "' has outputs, the file says none");
    }
  };
  for (size_t v = 0; v < values.size(); ++v) {
    const PendingValue& pv = values[v];
    ValueId got;
    if (pv.kind == ValueKind::Intermediate && static_cast<size_t>(pv.producer) >= next_node) add_outputless(v);
    if (pv.kind == ValueKind::Input) {
      got = g.add_input(pv.name, pv.shape, pv.dtype);
    } else if (pv.kind == ValueKind::Param) {
      got = g.add_param(pv.name, pv.data);
    } else {
      check(pv.producer >= 0 && static_cast<size_t>(pv.producer) < nodes.size(), ErrorKind::Value,
            "corrupt program: value ", v, " has no producer");
      if (static_cast<size_t>(pv.producer) < next_node) continue;  // a later output of a node already added
      check(static_cast<size_t>(pv.producer) == next_node, ErrorKind::Value, "corrupt program: nodes out of order");
      const PendingNode& n = nodes[next_node++];
      for (ValueId in : n.inputs)
        check(in >= 0 && static_cast<size_t>(in) < v, ErrorKind::Value, "corrupt program: node '", n.name,
              "' reads value ", in, " before it exists");
      std::vector<ValueId> outs = g.add_node(n.op, n.inputs, n.attrs, n.name);
      check(outs.size() == n.outputs && !outs.empty(), ErrorKind::Value, "corrupt program: node '", n.name, "' has ",
            outs.size(), " outputs, the file says ", n.outputs);
      got = outs[0];
    }
    check(got == static_cast<ValueId>(v), ErrorKind::Value, "corrupt program: value ids diverge at ", v);
  }
  add_outputless(values.size());
  check(next_node == nodes.size(), ErrorKind::Value, "corrupt program: ", nodes.size() - next_node,
        " nodes were never added");
  auto ids = [&]() {
    std::vector<ValueId> list(r.count(1u << 24, sizeof(int32_t)));
    for (auto& id : list) {
      id = r.pod<int32_t>();
      check(id >= 0 && static_cast<size_t>(id) < g.num_values(), ErrorKind::Value, "corrupt program: value id ", id);
    }
    return list;
  };
  p.fetches = ids();
  p.loss = r.pod<int32_t>();
  check(p.loss == kNoValue || (p.loss >= 0 && static_cast<size_t>(p.loss) < g.num_values()), ErrorKind::Value,
        "corrupt program: loss value id ", p.loss);
  p.params = ids();
  p.optimizer.name = r.str();
  for (uint32_t n = r.count(1024, 4 + sizeof(double)); n-- > 0;) {
    std::string field = r.str();
    set_optimizer_field(p.optimizer, field, r.pod<double>());  // an unknown field is an error naming it
  }
  p.constraints.resize(r.count(1u << 24, 4 + 4));  // parameter index, attribute count
  for (ParamConstraint& c : p.constraints) {
    c.param_index = r.pod<uint32_t>();
    check(c.param_index < p.params.size(), ErrorKind::Value, "corrupt program: a constraint on parameter ",
          c.param_index, " of ", p.params.size());
    c.attrs = read_attrs(r);
  }
  p.state_updates.resize(r.count(1u << 24, sizeof(int32_t)));
  for (NodeId& id : p.state_updates) {
    id = r.pod<int32_t>();
    check(id >= 0 && static_cast<size_t>(id) < g.num_nodes(), ErrorKind::Value, "corrupt program: node id ", id);
  }
  return p;
}
}  // namespace

void write_programs(const std::string& path, const std::vector<Program>& programs) {
  Writer w(path);
  w.bytes(kProgramMagic, 8);
  w.pod<uint32_t>(static_cast<uint32_t>(programs.size()));
  for (const Program& p : programs) write_program(w, p);
  w.finish();
}

std::vector<Program> read_programs(std::istream& in, uint64_t size, const std::string& name) {
  Reader r(in, size, name);
  r.magic(kProgramMagic, true);
  std::vector<Program> programs(r.count(16, 4));
  for (auto& p : programs) p = read_program(r);
  return programs;
}

std::vector<Program> read_programs(const std::string& path) {
  InputFile file(path);
  return read_programs(file.in, file.size, path);
}

void write_tensors(const std::string& path, const std::vector<Tensor>& tensors) {
  Writer w(path);
  w.bytes(kTensorMagic, 8);
  w.pod<uint32_t>(static_cast<uint32_t>(tensors.size()));
  for (const Tensor& t : tensors) {
    w.pod<uint8_t>(static_cast<uint8_t>(t.dtype()));
    w.shape(t.shape());
    write_tensor_bytes(w, t);
  }
  w.finish();
}

std::vector<Tensor> read_tensors(std::istream& in, uint64_t size, const std::string& name) {
  Reader r(in, size, name);
  r.magic(kTensorMagic);
  std::vector<Tensor> tensors(r.count(4096, kMinTensorBytes));
  for (size_t i = 0; i < tensors.size(); ++i) {
    DType dtype = r.dtype();
    Shape shape = r.shape();
    tensors[i] = r.tensor(shape, dtype, cat("tensor ", i));
  }
  return tensors;
}

std::vector<Tensor> read_tensors(const std::string& path) {
  InputFile file(path);
  return read_tensors(file.in, file.size, path);
}

}  // namespace dagnet
