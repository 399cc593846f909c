#include "grouped-sum.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "thread-pool.h"

namespace ssn {

namespace {
constexpr int64_t kMaxGroups = 16;                  // enough tasks to balance 16 threads' worth of work
constexpr int64_t kPartialBytes = int64_t{64} << 20;  // at most this much memory for the groups' buffers
}  // namespace

void GroupedSum(int64_t items, int64_t size, float* out,
                const std::function<void(int64_t first, int64_t last, float* acc)>& fn) {
  const int64_t groups = std::max<int64_t>(
      1, std::min({items, kMaxGroups, kPartialBytes / std::max<int64_t>(1, size * 4) + 1}));
  std::vector<float> partial(static_cast<size_t>((groups - 1) * size));
  std::memset(out, 0, size * sizeof(float));
  Pool().Run(groups, [&](int64_t g, int) {
    float* acc = g == 0 ? out : partial.data() + (g - 1) * size;
    const int64_t first = items * g / groups;
    const int64_t last = items * (g + 1) / groups;
    fn(first, last, acc);
  });
  // Add the groups in order, split over the pool by ranges of elements.
  const int64_t chunk = 16384;
  Pool().Run((size + chunk - 1) / chunk, [&](int64_t c, int) {
    const int64_t lo = c * chunk;
    const int64_t hi = std::min(size, lo + chunk);
    for (int64_t g = 1; g < groups; g++) {
      const float* src = partial.data() + (g - 1) * size;
      for (int64_t i = lo; i < hi; i++) out[i] += src[i];
    }
  });
}

}  // namespace ssn
