// Shared definitions of the reference kernels.  Each variant defines T (the element type)
// and ACC (the accumulator type used by reductions): float16 → half, bfloat16 → bfloat.
#pragma once

#include <metal_stdlib>
using namespace metal;

#ifndef T
#define T float
#endif
#ifndef ACC
#define ACC float
#endif

// Threads per threadgroup the reductions are written for (a multiple of the SIMD width).
constant constexpr uint REDUCE_THREADS = 256;
