// Per-thread scratch memory, kept between calls so the kernels allocate nothing in steady state.
#pragma once

#include <cstddef>
#include <cstdlib>

namespace ssn {

/** A 64-byte aligned float buffer of at least `floats` elements, owned by the calling thread. */
float* Scratch(int slot, size_t floats);

}  // namespace ssn
