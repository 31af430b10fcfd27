#include "engine/kernels/nn/window.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {
namespace {

absl::StatusOr<AutoPad> ParseAutoPad(const KernelInfo& info) {
  ASSIGN_OR_RETURN(std::string s, info.StringOr("auto_pad", "NOTSET"));
  if (s == "NOTSET" || s.empty()) return AutoPad::kNotSet;
  if (s == "SAME_UPPER") return AutoPad::kSameUpper;
  if (s == "SAME_LOWER") return AutoPad::kSameLower;
  if (s == "VALID") return AutoPad::kValid;
  return info.Error(absl::StrCat("unknown auto_pad '", s, "'"));
}

absl::Status CheckAllAtLeast(const KernelInfo& info, const std::vector<int64_t>& v,
                             const char* name, int64_t min) {
  for (int64_t x : v) {
    if (x < min) return info.Error(absl::StrCat(name, " values must be >= ", min));
  }
  return absl::OkStatus();
}

// The spatial rank an attribute implies, or -1 when it is absent.
int RankOf(const std::vector<int64_t>& v, int per_dim) {
  return v.empty() ? -1 : static_cast<int>(v.size()) / per_dim;
}

absl::Status CheckRank(const WindowAttrs& a, size_t rank, const std::string& op) {
  auto bad = [&](const char* name, size_t got) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": ", name, " has ", got,
                                                   " values for an input with ", rank,
                                                   " spatial dimensions"));
  };
  if (!a.strides.empty() && a.strides.size() != rank) return bad("strides", a.strides.size());
  if (!a.dilations.empty() && a.dilations.size() != rank) {
    return bad("dilations", a.dilations.size());
  }
  if (!a.pads.empty() && a.pads.size() != 2 * rank) return bad("pads", a.pads.size());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WindowAttrs> ReadWindowAttrs(const KernelInfo& info, bool require_kernel_shape) {
  WindowAttrs a;
  ASSIGN_OR_RETURN(a.auto_pad, ParseAutoPad(info));
  ASSIGN_OR_RETURN(a.kernel_shape, info.IntsOr("kernel_shape", {}));
  ASSIGN_OR_RETURN(a.strides, info.IntsOr("strides", {}));
  ASSIGN_OR_RETURN(a.dilations, info.IntsOr("dilations", {}));
  ASSIGN_OR_RETURN(a.pads, info.IntsOr("pads", {}));
  ASSIGN_OR_RETURN(int64_t ceil_mode, info.IntOr("ceil_mode", 0));
  a.ceil_mode = ceil_mode != 0;
  if (require_kernel_shape && a.kernel_shape.empty()) {
    return info.Error("attribute 'kernel_shape' is required");
  }
  RETURN_IF_ERROR(CheckAllAtLeast(info, a.kernel_shape, "kernel_shape", 1));
  RETURN_IF_ERROR(CheckAllAtLeast(info, a.strides, "strides", 1));
  RETURN_IF_ERROR(CheckAllAtLeast(info, a.dilations, "dilations", 1));
  RETURN_IF_ERROR(CheckAllAtLeast(info, a.pads, "pads", 0));
  if (a.pads.size() % 2 != 0) return info.Error("pads must have an even number of values");
  int rank = -1;
  for (int r : {RankOf(a.kernel_shape, 1), RankOf(a.strides, 1), RankOf(a.dilations, 1),
                RankOf(a.pads, 2)}) {
    if (r < 0) continue;
    if (rank >= 0 && r != rank) {
      return info.Error("kernel_shape, strides, dilations and pads disagree on the rank");
    }
    rank = r;
  }
  return a;
}

absl::StatusOr<Window> ResolveWindow(const WindowAttrs& attrs, absl::Span<const int64_t> in,
                                     absl::Span<const int64_t> kernel, const std::string& op) {
  const size_t rank = in.size();
  if (kernel.size() != rank) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": kernel has ", kernel.size(),
                                                   " spatial dimensions, the input ", rank));
  }
  RETURN_IF_ERROR(CheckRank(attrs, rank, op));
  Window w;
  w.rank = static_cast<int>(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t k = kernel[i];
    int64_t s = attrs.strides.empty() ? 1 : attrs.strides[i];
    int64_t d = attrs.dilations.empty() ? 1 : attrs.dilations[i];
    int64_t pb = attrs.pads.empty() ? 0 : attrs.pads[i];
    int64_t pe = attrs.pads.empty() ? 0 : attrs.pads[rank + i];
    int64_t ek = (k - 1) * d + 1;
    int64_t out = 0;
    switch (attrs.auto_pad) {
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        out = (in[i] + s - 1) / s;
        int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in[i]);
        pb = attrs.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        pe = total - pb;
        break;
      }
      case AutoPad::kValid:
        pb = pe = 0;
        [[fallthrough]];
      case AutoPad::kNotSet: {
        int64_t span = in[i] + pb + pe - ek;
        if (span < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              op, ": the window (", ek, " wide with dilation) is larger than the padded input (",
              in[i] + pb + pe, ") in spatial dimension ", i));
        }
        out = span / s + 1;
        if (attrs.ceil_mode) {
          out = (span + s - 1) / s + 1;
          // The last window must start inside the input or its begin padding.
          if ((out - 1) * s >= in[i] + pb) --out;
        }
        break;
      }
    }
    w.in.push_back(in[i]);
    w.kernel.push_back(k);
    w.stride.push_back(s);
    w.dilation.push_back(d);
    w.pad_begin.push_back(pb);
    w.pad_end_attr.push_back(pe);
    int64_t needed_end = (out - 1) * s + ek - in[i] - pb;
    if (needed_end > pe) w.ceil_extended = true;
    w.pad_end.push_back(std::max(pe, needed_end));
    w.out.push_back(out);
  }
  return w;
}

absl::StatusOr<bool> ReadChannelsLast(const KernelInfo& info) {
  if (info.node().domain != "berth") return false;
  ASSIGN_OR_RETURN(int64_t flag, info.IntOr("channels_last", 0));
  if (flag != 0 && flag != 1) return info.Error("channels_last must be 0 or 1");
  return flag == 1;
}

}  // namespace berth::engine
