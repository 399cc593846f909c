#include "scratch.h"

#include <new>

namespace ssn {

namespace {
struct Buffer {
  float* data = nullptr;
  size_t size = 0;
  ~Buffer() { std::free(data); }
};
constexpr int kSlots = 3;
thread_local Buffer buffers[kSlots];
}  // namespace

float* Scratch(int slot, size_t floats) {
  Buffer& b = buffers[slot];
  if (b.size < floats) {
    std::free(b.data);
    size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
    b.data = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (b.data == nullptr) throw std::bad_alloc();
    b.size = floats;
  }
  return b.data;
}

}  // namespace ssn
