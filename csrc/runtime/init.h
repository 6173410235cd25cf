// The engine's one explicit initialisation: fills the op table (every op family, with
// the kernels of every backend compiled in) and registers the device backends. Idempotent and thread-safe; every
// embedder (the Python module, dagnet-bench) calls it before building a graph. Lower layers never call upwards to
// initialise themselves.
#pragma once

namespace dagnet {

void init_engine();

}  // namespace dagnet
