// The work of one plan step, and how the executor runs a wave of independent steps.
//
// Running a wave's nodes concurrently gives each node one thread, so it pays only when
// the nodes balance: a wave whose largest node is most of the work finishes sooner with
// every thread on that node. Elements read and written measure elementwise and data
// movement ops but not GEMMs: a 3x3 convolution and a 1x1 shortcut of similar tensor
// sizes differ 20-40x in multiplies. So GEMM-like ops (dense, matmul, batch_matmul, the
// convolution family with its gradients, depthwise, recurrent layers, attention) cost
// their FLOPs from the plan's shapes and every other op the elements it reads and writes
// (one element read or written is counted like one FLOP).
#pragma once
#include <vector>

#include "graph/graph.h"

namespace dagnet {

// The cost of `node` with the plan's concrete input and output specs.
double node_cost(const Node& node, const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>& outputs);

// Below this total cost a wave runs on the calling thread: handing nodes to another
// thread (a wake-up or a spin hand-off, then the join) costs more than such a wave's
// work, e.g. the small branches of a batch-1 prediction.
constexpr double kMinConcurrentWaveCost = 32768;

// Whether a wave with these node costs runs its nodes concurrently (one thread each):
// more than one node, the largest at most half the total, and the total at least
// kMinConcurrentWaveCost.
bool run_wave_concurrently(const std::vector<double>& costs);

// The order a concurrent wave hands its nodes out, one at a time to whichever thread is
// free: largest first (LPT), ties in schedule order, so the last nodes to start are the
// small ones that fill the gaps.
std::vector<int> largest_first(const std::vector<double>& costs);

}  // namespace dagnet
