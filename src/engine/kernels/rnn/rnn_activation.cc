#include "engine/kernels/rnn/rnn_activation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {
namespace {

struct ActivationSpec {
  const char* name;  // lower case
  RnnActivationKind kind;
  bool takes_alpha;
  bool takes_beta;
  float default_alpha;
  float default_beta;
};

// Defaults are those of the standalone ONNX operators of the same name (Affine and ScaledTanh
// were experimental operators with alpha=1, beta=0 and alpha=1, beta=1).
constexpr ActivationSpec kSpecs[] = {
    {"relu", RnnActivationKind::kRelu, false, false, 0, 0},
    {"tanh", RnnActivationKind::kTanh, false, false, 0, 0},
    {"sigmoid", RnnActivationKind::kSigmoid, false, false, 0, 0},
    {"affine", RnnActivationKind::kAffine, true, true, 1.0f, 0.0f},
    {"leakyrelu", RnnActivationKind::kLeakyRelu, true, false, 0.01f, 0},
    {"thresholdedrelu", RnnActivationKind::kThresholdedRelu, true, false, 1.0f, 0},
    {"scaledtanh", RnnActivationKind::kScaledTanh, true, true, 1.0f, 1.0f},
    {"hardsigmoid", RnnActivationKind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", RnnActivationKind::kElu, true, false, 1.0f, 0},
    {"softsign", RnnActivationKind::kSoftsign, false, false, 0, 0},
    {"softplus", RnnActivationKind::kSoftplus, false, false, 0, 0},
};

const ActivationSpec* FindSpec(const std::string& name) {
  std::string lower = absl::AsciiStrToLower(name);
  for (const ActivationSpec& spec : kSpecs) {
    if (lower == spec.name) return &spec;
  }
  return nullptr;
}

template <typename T, typename Fn>
void Map(T* x, int64_t n, float clip, Fn fn) {
  if (clip > 0) {
    const T lo = static_cast<T>(-clip);
    const T hi = static_cast<T>(clip);
    for (int64_t i = 0; i < n; ++i) x[i] = fn(std::min(std::max(x[i], lo), hi));
  } else {
    for (int64_t i = 0; i < n; ++i) x[i] = fn(x[i]);
  }
}

}  // namespace

template <typename T>
void RnnActivation::Apply(T* x, int64_t n, float clip) const {
  const T a = static_cast<T>(alpha);
  const T b = static_cast<T>(beta);
  switch (kind) {
    case RnnActivationKind::kRelu:
      Map(x, n, clip, [](T v) { return v > T(0) ? v : T(0); });
      break;
    case RnnActivationKind::kTanh:
      Map(x, n, clip, [](T v) { return std::tanh(v); });
      break;
    case RnnActivationKind::kSigmoid:
      Map(x, n, clip, [](T v) { return T(1) / (T(1) + std::exp(-v)); });
      break;
    case RnnActivationKind::kAffine:
      Map(x, n, clip, [a, b](T v) { return a * v + b; });
      break;
    case RnnActivationKind::kLeakyRelu:
      Map(x, n, clip, [a](T v) { return v >= T(0) ? v : a * v; });
      break;
    case RnnActivationKind::kThresholdedRelu:
      Map(x, n, clip, [a](T v) { return v > a ? v : T(0); });
      break;
    case RnnActivationKind::kScaledTanh:
      Map(x, n, clip, [a, b](T v) { return a * std::tanh(b * v); });
      break;
    case RnnActivationKind::kHardSigmoid:
      Map(x, n, clip, [a, b](T v) { return std::min(std::max(a * v + b, T(0)), T(1)); });
      break;
    case RnnActivationKind::kElu:
      Map(x, n, clip, [a](T v) { return v >= T(0) ? v : a * std::expm1(v); });
      break;
    case RnnActivationKind::kSoftsign:
      Map(x, n, clip, [](T v) { return v / (T(1) + std::fabs(v)); });
      break;
    case RnnActivationKind::kSoftplus:
      // log(1 + e^v) without overflow for large v.
      Map(x, n, clip, [](T v) {
        return v > T(0) ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
      });
      break;
  }
}

template void RnnActivation::Apply<float>(float*, int64_t, float) const;
template void RnnActivation::Apply<double>(double*, int64_t, float) const;

absl::StatusOr<std::vector<RnnActivation>> ParseRnnActivations(
    const KernelInfo& info, int num_directions, const std::vector<std::string>& defaults) {
  const size_t per_direction = defaults.size();
  ASSIGN_OR_RETURN(std::vector<std::string> names, info.StringsOr("activations", {}));
  ASSIGN_OR_RETURN(std::vector<float> alphas, info.FloatsOr("activation_alpha", {}));
  ASSIGN_OR_RETURN(std::vector<float> betas, info.FloatsOr("activation_beta", {}));
  if (names.empty()) {
    for (int d = 0; d < num_directions; ++d) {
      names.insert(names.end(), defaults.begin(), defaults.end());
    }
  }
  if (names.size() != per_direction && names.size() != per_direction * num_directions) {
    return info.Error(absl::StrCat("'activations' has ", names.size(), " functions; expected ",
                                   per_direction * num_directions));
  }
  size_t next_alpha = 0;
  size_t next_beta = 0;
  std::vector<RnnActivation> result;
  for (const std::string& name : names) {
    const ActivationSpec* spec = FindSpec(name);
    if (spec == nullptr) {
      return info.Error(absl::StrCat("unsupported activation function '", name, "'"));
    }
    RnnActivation act;
    act.kind = spec->kind;
    act.alpha = spec->default_alpha;
    act.beta = spec->default_beta;
    if (spec->takes_alpha && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (spec->takes_beta && next_beta < betas.size()) act.beta = betas[next_beta++];
    result.push_back(act);
  }
  // One direction's functions given for a bidirectional node serve both directions.
  while (result.size() < per_direction * num_directions) {
    result.push_back(result[result.size() - per_direction]);
  }
  return result;
}

}  // namespace berth::engine
