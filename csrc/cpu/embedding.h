// Embedding lookup and its gradient. Indices are validated by the op before these run.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

// out[i, :] = table[indices[i], :]
template <typename T>
void embedding_gather(const T* table, const int64_t* indices, int64_t count, int64_t dim, T* out);

// d_table = 0; d_table[indices[i], :] += dy[i, :]. Each thread owns a range of table
// rows and scans all indices, so the sums happen in index order whatever the thread
// count (deterministic), without atomics and without a dense one-hot.
template <typename T>
void embedding_scatter_add(const T* dy, const int64_t* indices, int64_t count, int64_t dim, int64_t rows, T* d_table);

}  // namespace dagnet::cpu
