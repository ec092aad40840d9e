// out[i] = a[i] + b[i]
#include "common.h"

[[kernel]] void add(device const T* a [[buffer(0)]], device const T* b [[buffer(1)]],
                    device T* out [[buffer(2)]], constant uint& size [[buffer(3)]],
                    uint index [[thread_position_in_grid]]) {
  if (index < size) {
    out[index] = a[index] + b[index];
  }
}
