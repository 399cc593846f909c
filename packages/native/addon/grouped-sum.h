// Sums over many items (output pixels, rows) into one result, split for the thread pool so that the
// result is the same however the threads run: the items form a fixed number of groups (it depends on
// the problem only), each group sums into its own buffer, and the buffers are added up in group order.
#pragma once

#include <cstdint>
#include <functional>

namespace ssn {

/** fn(first, last, acc) adds items [first, last) into acc (size floats, zeroed); out = the sum of all groups. */
void GroupedSum(int64_t items, int64_t size, float* out,
                const std::function<void(int64_t first, int64_t last, float* acc)>& fn);

}  // namespace ssn
