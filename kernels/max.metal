// out[row] = max(x[row, :]) with one threadgroup of REDUCE_THREADS threads per row.
#include "reduce.h"

[[kernel]] void row_max(device const T* x [[buffer(0)]], device T* out [[buffer(1)]],
                        constant uint& row_size [[buffer(2)]],
                        uint row [[threadgroup_position_in_grid]],
                        uint lid [[thread_position_in_threadgroup]],
                        uint simd_lane [[thread_index_in_simdgroup]],
                        uint simd_group [[simdgroup_index_in_threadgroup]]) {
  threadgroup ACC scratch[REDUCE_THREADS / 32];
  MaxOp op;
  ACC best = op.identity();
  for (uint i = lid; i < row_size; i += REDUCE_THREADS) {
    best = op(best, ACC(x[row * row_size + i]));
  }
  best = threadgroup_reduce(best, scratch, lid, simd_lane, simd_group, op);
  if (lid == 0) {
    out[row] = T(best);
  }
}
