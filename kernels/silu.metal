// out[i] = x[i] * sigmoid(x[i]), computed in float for accuracy.
#include "common.h"

[[kernel]] void silu(device const T* x [[buffer(0)]], device T* out [[buffer(1)]],
                     constant uint& size [[buffer(2)]], uint index [[thread_position_in_grid]]) {
  if (index < size) {
    float v = float(x[index]);
    out[index] = T(v / (1.0f + exp(-v)));
  }
}
