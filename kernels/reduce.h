// Threadgroup reduction helpers shared by the reduction kernels.
#pragma once

#include "common.h"

template <typename Op>
inline ACC threadgroup_reduce(ACC value, threadgroup ACC* scratch, uint lid, uint simd_lane,
                              uint simd_group, Op op) {
  value = op.simd(value);
  if (simd_lane == 0) {
    scratch[simd_group] = value;
  }
  threadgroup_barrier(mem_flags::mem_threadgroup);
  value = lid < REDUCE_THREADS / 32 ? scratch[lid] : op.identity();
  return op.simd(value);
}

struct SumOp {
  ACC identity() const { return ACC(0); }
  ACC operator()(ACC a, ACC b) const { return a + b; }
  ACC simd(ACC v) const { return simd_sum(v); }
};

struct MaxOp {
  ACC identity() const { return ACC(-INFINITY); }
  ACC operator()(ACC a, ACC b) const { return max(a, b); }
  ACC simd(ACC v) const { return simd_max(v); }
};
