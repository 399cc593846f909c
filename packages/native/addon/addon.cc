// The N-API surface: every kernel reads and writes float32 arrays inside one ArrayBuffer (the wasm
// backend's heap, so tensors are used in place), addressed by byte offsets; offsets and sizes are
// checked against the buffer before any work starts.
#include <cblas.h>
#include <napi.h>

#include <string>

#include "conv.h"
#include "depthwise.h"
#include "gemm.h"
#include "peak.h"
#include "reduce.h"
#include "thread-pool.h"

namespace {

using ssn::ConvGeometry;
using ssn::Epilogue;

class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {
    if (info.Length() < 1 || !info[0].IsArrayBuffer())
      throw Napi::TypeError::New(info.Env(), "the first argument must be the ArrayBuffer that holds the tensors");
    auto buffer = info[0].As<Napi::ArrayBuffer>();
    base_ = static_cast<uint8_t*>(buffer.Data());
    bytes_ = buffer.ByteLength();
  }

  int64_t Int(size_t i) const {
    if (i >= info_.Length() || !info_[i].IsNumber())
      throw Napi::TypeError::New(info_.Env(), "argument " + std::to_string(i) + " must be a number");
    return info_[i].As<Napi::Number>().Int64Value();
  }
  double Real(size_t i) const {
    if (i >= info_.Length() || !info_[i].IsNumber())
      throw Napi::TypeError::New(info_.Env(), "argument " + std::to_string(i) + " must be a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  /** floats float32 values at byte offset `Int(i)`; a negative offset means none (nullptr). */
  float* Floats(size_t i, int64_t floats) const {
    const int64_t offset = Int(i);
    if (offset < 0) return nullptr;
    if (offset % 4 != 0 || floats < 0 || static_cast<uint64_t>(offset) + 4 * static_cast<uint64_t>(floats) > bytes_)
      throw Napi::RangeError::New(info_.Env(), "argument " + std::to_string(i) + " (" + std::to_string(floats) +
                                                   " floats at byte " + std::to_string(offset) +
                                                   ") lies outside the buffer");
    return reinterpret_cast<float*>(base_ + offset);
  }
  float* Required(size_t i, int64_t floats) const {
    float* p = Floats(i, floats);
    if (p == nullptr) throw Napi::RangeError::New(info_.Env(), "argument " + std::to_string(i) + " is required");
    return p;
  }

  /** 15 numbers from index i: batch, inH, inW, inC, outH, outW, outC, kH, kW, strides, dilations, pads. */
  ConvGeometry Geometry(size_t i) const {
    ConvGeometry g{Int(i), Int(i + 1), Int(i + 2), Int(i + 3), Int(i + 4), Int(i + 5), Int(i + 6), Int(i + 7),
                   Int(i + 8), Int(i + 9), Int(i + 10), Int(i + 11), Int(i + 12), Int(i + 13), Int(i + 14)};
    const bool ok = g.batch >= 0 && g.inH > 0 && g.inW > 0 && g.inC > 0 && g.outH >= 0 && g.outW >= 0 &&
                    g.outC > 0 && g.kH > 0 && g.kW > 0 && g.strideH > 0 && g.strideW > 0 && g.dilationH > 0 &&
                    g.dilationW > 0;
    if (!ok) throw Napi::RangeError::New(info_.Env(), "invalid convolution geometry");
    return g;
  }

  /** 5 values from index i: bias offset, activation, leaky slope, prelu offset, prelu size. */
  Epilogue EpilogueAt(size_t i, int64_t channels) const {
    Epilogue e;
    e.bias = Floats(i, channels);
    e.activation = static_cast<int>(Int(i + 1));
    e.alpha = static_cast<float>(Real(i + 2));
    e.preluSize = Int(i + 4);
    e.prelu = Floats(i + 3, e.preluSize);
    if (e.activation < ssn::kLinear || e.activation > ssn::kElu)
      throw Napi::RangeError::New(info_.Env(), "unknown activation code");
    if (e.activation == ssn::kPrelu && (e.prelu == nullptr || (e.preluSize != 1 && e.preluSize != channels)))
      throw Napi::RangeError::New(info_.Env(), "prelu needs one slope or one per channel");
    return e;
  }

 private:
  const Napi::CallbackInfo& info_;
  uint8_t* base_ = nullptr;
  size_t bytes_ = 0;
};

int64_t FilterSize(const ConvGeometry& g, bool depthwise) {
  return g.kH * g.kW * (depthwise ? g.outC : g.inC * g.outC);
}

// matmul(buffer, batch, transA, transB, M, N, K, a, strideA, b, strideB, c, ...epilogue)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t batch = args.Int(1);
  const bool transA = args.Int(2) != 0;
  const bool transB = args.Int(3) != 0;
  const int64_t M = args.Int(4), N = args.Int(5), K = args.Int(6);
  const int64_t strideA = args.Int(8), strideB = args.Int(10);
  if (batch < 1 || M < 0 || N < 0 || K < 0 || strideA < 0 || strideB < 0)
    throw Napi::RangeError::New(info.Env(), "invalid matmul shape");
  const float* a = args.Required(7, (batch - 1) * strideA + M * K);
  const float* b = args.Required(9, (batch - 1) * strideB + K * N);
  float* c = args.Required(11, batch * M * N);
  ssn::BatchedSgemm(batch, transA, transB, M, N, K, a, strideA, b, strideB, c, args.EpilogueAt(12, N));
  return info.Env().Undefined();
}

// conv2d(buffer, x, filter, y, ...geometry, ...epilogue)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  Args args(info);
  const ConvGeometry g = args.Geometry(4);
  ssn::Conv2D(g, args.Required(1, g.InSize()), args.Required(2, FilterSize(g, false)),
              args.Required(3, g.OutSize()), args.EpilogueAt(19, g.outC));
  return info.Env().Undefined();
}

// conv2dBackpropInput(buffer, dy, filter, dx, ...geometry)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  Args args(info);
  const ConvGeometry g = args.Geometry(4);
  ssn::Conv2DBackpropInput(g, args.Required(1, g.OutSize()), args.Required(2, FilterSize(g, false)),
                           args.Required(3, g.InSize()));
  return info.Env().Undefined();
}

// conv2dBackpropFilter(buffer, x, dy, df, ...geometry)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  Args args(info);
  const ConvGeometry g = args.Geometry(4);
  ssn::Conv2DBackpropFilter(g, args.Required(1, g.InSize()), args.Required(2, g.OutSize()),
                            args.Required(3, FilterSize(g, false)));
  return info.Env().Undefined();
}

void CheckMultiplier(const Napi::CallbackInfo& info, const ConvGeometry& g) {
  if (g.outC % g.inC != 0)
    throw Napi::RangeError::New(info.Env(), "depthwise output channels must be a multiple of the input channels");
}

// depthwiseConv2d(buffer, x, filter, y, ...geometry, ...epilogue)
Napi::Value DepthwiseConv2D(const Napi::CallbackInfo& info) {
  Args args(info);
  const ConvGeometry g = args.Geometry(4);
  CheckMultiplier(info, g);
  ssn::DepthwiseConv2D(g, args.Required(1, g.InSize()), args.Required(2, FilterSize(g, true)),
                       args.Required(3, g.OutSize()), args.EpilogueAt(19, g.outC));
  return info.Env().Undefined();
}

// depthwiseBackpropInput(buffer, dy, filter, dx, ...geometry)
Napi::Value DepthwiseBackpropInput(const Napi::CallbackInfo& info) {
  Args args(info);
  const ConvGeometry g = args.Geometry(4);
  CheckMultiplier(info, g);
  ssn::DepthwiseBackpropInput(g, args.Required(1, g.OutSize()), args.Required(2, FilterSize(g, true)),
                              args.Required(3, g.InSize()));
  return info.Env().Undefined();
}

// depthwiseBackpropFilter(buffer, x, dy, df, ...geometry)
Napi::Value DepthwiseBackpropFilter(const Napi::CallbackInfo& info) {
  Args args(info);
  const ConvGeometry g = args.Geometry(4);
  CheckMultiplier(info, g);
  ssn::DepthwiseBackpropFilter(g, args.Required(1, g.InSize()), args.Required(2, g.OutSize()),
                               args.Required(3, FilterSize(g, true)));
  return info.Env().Undefined();
}

// reduceSum(buffer, x, out, outer, reduce, inner, scale): out[o, i] = scale * sum over r of x[o, r, i].
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t outer = args.Int(3), reduce = args.Int(4), inner = args.Int(5);
  if (outer < 0 || reduce < 0 || inner < 0) throw Napi::RangeError::New(info.Env(), "invalid reduction shape");
  ssn::ReduceSum(args.Required(1, outer * reduce * inner), args.Required(2, outer * inner), outer, reduce, inner,
                 static_cast<float>(args.Real(6)));
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber())
    throw Napi::TypeError::New(info.Env(), "setThreads(n) needs a number");
  const int64_t n = info[0].As<Napi::Number>().Int64Value();
  if (n < 1 || n > 1024) throw Napi::RangeError::New(info.Env(), "threads must be between 1 and 1024");
  ssn::Pool().SetThreads(static_cast<int>(n));
  return Napi::Number::New(info.Env(), ssn::Pool().Threads());
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("threads", ssn::Pool().Threads());
  o.Set("blas", std::string(openblas_get_config()));
  o.Set("blasCore", std::string(openblas_get_corename()));
  return o;
}

// fmaPeak(threads, seconds): GFLOP/s of FMA chains on that many threads.
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
    throw Napi::TypeError::New(info.Env(), "fmaPeak(threads, seconds) needs two numbers");
  const int threads = info[0].As<Napi::Number>().Int32Value();
  const double seconds = info[1].As<Napi::Number>().DoubleValue();
  if (threads < 1 || threads > 1024 || !(seconds > 0 && seconds <= 60))
    throw Napi::RangeError::New(info.Env(), "fmaPeak: threads 1..1024, seconds in (0, 60]");
  return Napi::Number::New(info.Env(), ssn::FmaPeakGflops(threads, seconds));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // The pool provides the parallelism; OpenBLAS runs each call on the thread that makes it.
  openblas_set_num_threads(1);
  exports.Set("matmul", Napi::Function::New(env, MatMul, "matmul"));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D, "conv2d"));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput, "conv2dBackpropInput"));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter, "conv2dBackpropFilter"));
  exports.Set("depthwiseConv2d", Napi::Function::New(env, DepthwiseConv2D, "depthwiseConv2d"));
  exports.Set("depthwiseBackpropInput", Napi::Function::New(env, DepthwiseBackpropInput, "depthwiseBackpropInput"));
  exports.Set("depthwiseBackpropFilter",
              Napi::Function::New(env, DepthwiseBackpropFilter, "depthwiseBackpropFilter"));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum, "reduceSum"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak, "fmaPeak"));
  return exports;
}

}  // namespace

NODE_API_MODULE(scalespace_native, Init)
