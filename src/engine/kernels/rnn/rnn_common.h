// What RNN, GRU and LSTM share: attribute parsing, input validation, the tensor layouts of
// `layout` 0 and 1, the per-run scratch plan, and the GEMM used for every step.
//
// Inputs of all three operators: X(0), W(1), R(2), B(3), sequence_lens(4), initial_h(5); LSTM
// adds initial_c(6) and P(7). Outputs: Y(0), Y_h(1); LSTM adds Y_c(2).
#ifndef BERTH_ENGINE_KERNELS_RNN_RNN_COMMON_H_
#define BERTH_ENGINE_KERNELS_RNN_RNN_COMMON_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

enum class RnnDirection { kForward, kReverse, kBidirectional };

// The attributes every recurrent operator has, validated at load.
struct RnnAttributes {
  RnnDirection direction = RnnDirection::kForward;
  int num_directions = 1;
  int64_t hidden_size = -1;  // -1 when the attribute is absent: taken from R
  bool batch_major = false;  // layout == 1 (opset 14 on)
  float clip = 0;            // <= 0: no clipping
  // "LSTM node 'name': ", the prefix of every runtime error.
  std::string error_prefix;
};

absl::StatusOr<RnnAttributes> ParseRnnAttributes(const KernelInfo& info);

// The sizes of one run, taken from the actual inputs, and the offsets of the layouts.
struct RnnDims {
  int64_t seq_len = 0;
  int64_t batch = 0;
  int64_t input_size = 0;
  int64_t hidden = 0;
  int64_t num_gates = 1;
  int num_directions = 1;
  bool batch_major = false;

  // Row of X (each row holds input_size values) for time t and batch entry b.
  int64_t XRow(int64_t t, int64_t b) const { return batch_major ? b * seq_len + t : t * batch + b; }
  // Offset of the hidden vector for (t, direction, b) in Y.
  int64_t YOffset(int64_t t, int dir, int64_t b) const {
    return batch_major ? ((b * seq_len + t) * num_directions + dir) * hidden
                       : ((t * num_directions + dir) * batch + b) * hidden;
  }
  // Offset of the vector for (direction, b) in initial_h/initial_c/Y_h/Y_c.
  int64_t StateOffset(int dir, int64_t b) const {
    return batch_major ? (b * num_directions + dir) * hidden : (dir * batch + b) * hidden;
  }
  Shape YShape() const;
  Shape StateShape() const;
};

// Validates X, W, R and the optional B, sequence_lens and initial_h against each other and
// the attributes (ranks, sizes, element types) and returns the run's sizes. `num_gates` is 1
// (RNN), 3 (GRU) or 4 (LSTM). Fails with InvalidArgument naming the input.
absl::StatusOr<RnnDims> CheckRnnInputs(const KernelContext& ctx, const RnnAttributes& attrs,
                                       int64_t num_gates);

// Validates an optional state input (initial_h, initial_c) or the peephole input P.
absl::Status CheckStateInput(const KernelContext& ctx, int index, const char* name,
                             const RnnDims& dims, const RnnAttributes& attrs);
absl::Status CheckPeepholeInput(const KernelContext& ctx, const RnnDims& dims,
                                const RnnAttributes& attrs);

// Fills lengths[0..batch) from sequence_lens (or seq_len everywhere when it is absent) and
// returns the largest. Fails when a length is outside [0, seq_len].
absl::StatusOr<int64_t> ReadSequenceLengths(const Tensor* sequence_lens, const RnnDims& dims,
                                            const RnnAttributes& attrs, int64_t* lengths);

// Carves one scratch buffer into 64-byte aligned arrays: call Add for every array to size
// the plan, then Take in the same order after binding the buffer.
class ScratchPlan {
 public:
  template <typename T>
  void Add(int64_t count) {
    bytes_ += Aligned(static_cast<size_t>(count) * sizeof(T));
  }
  size_t bytes() const { return bytes_ == 0 ? 64 : bytes_; }
  void Bind(void* buffer) { next_ = static_cast<char*>(buffer); }
  template <typename T>
  T* Take(int64_t count) {
    T* p = reinterpret_cast<T*>(next_);
    next_ += Aligned(static_cast<size_t>(count) * sizeof(T));
    return p;
  }

 private:
  static size_t Aligned(size_t n) { return (n + 63) / 64 * 64; }
  size_t bytes_ = 0;
  char* next_ = nullptr;
};

// c[i*ldc + j] (+)= sum_p a[i*lda + p] * b[j*ldb + p] for i < m, j < n: C = A * B^T, the shape
// of X * W^T with W stored as ONNX stores it ([gates*hidden, input]).
template <typename T>
void GemmABt(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb,
             T* c, int64_t ldc, bool accumulate);

// xw[row] = X[row] * W_dir^T + bias for every row of X (rows in X's own order).
// `bias` (num_gates*hidden values) may be null.
template <typename T>
void ProjectInputs(const Tensor& x, const T* w_dir, const T* bias, const RnnDims& dims, T* xw);

// Copies the (direction, b) vectors of `initial` (or zeros when it is null) into state[b*hidden].
template <typename T>
void LoadState(const Tensor* initial, int dir, const RnnDims& dims, T* state);

// Writes state[b*hidden] to the (direction, b) slot of `out`; batch entries whose length is 0
// get zeros, as ONNX Runtime does.
template <typename T>
void StoreState(const T* state, const int64_t* lengths, int dir, const RnnDims& dims, Tensor* out);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_RNN_RNN_COMMON_H_
