// Scan: runs its body once per slice of the scan inputs, carrying state (opsets 8-21).
// Opset 8 adds a leading batch axis to every input and output and an optional first input
// sequence_lens; 9 and later scan along configurable axes without a batch.
#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/control/control_ops.h"
#include "engine/kernels/control/subgraph_util.h"

namespace berth::engine {
namespace {

struct ScanConfig {
  int num_states = 0;
  int num_scan_inputs = 0;
  int num_scan_outputs = 0;
  std::vector<int64_t> input_axes, input_directions, output_axes, output_directions;
};

int64_t NormalizeAxis(int64_t axis, int rank) { return axis < 0 ? axis + rank : axis; }

// One scan over unbatched tensors: states, scan inputs -> final states, scan outputs.
absl::Status ScanOnce(const BoundSubgraph& body, const ScanConfig& cfg,
                      const std::vector<const Tensor*>& outer, std::vector<Tensor>& states,
                      const std::vector<const Tensor*>& scan_inputs, int64_t length,
                      std::vector<std::vector<Tensor>>& scan_outputs) {
  std::vector<Tensor> slices(cfg.num_scan_inputs);
  std::vector<Tensor> results;
  for (int64_t t = 0; t < length; ++t) {
    std::vector<const Tensor*> inputs;
    for (const Tensor& s : states) inputs.push_back(&s);
    for (int m = 0; m < cfg.num_scan_inputs; ++m) {
      const Tensor& x = *scan_inputs[m];
      int axis = static_cast<int>(NormalizeAxis(cfg.input_axes[m], x.rank()));
      int64_t index = cfg.input_directions[m] == 1 ? length - 1 - t : t;
      slices[m] = SliceAxis(x, axis, index);
      inputs.push_back(&slices[m]);
    }
    RETURN_IF_ERROR(body.runner->Run(inputs, outer, &results));
    if (static_cast<int>(results.size()) != cfg.num_states + cfg.num_scan_outputs) {
      return absl::InvalidArgumentError(absl::StrCat("Scan body gave ", results.size(),
                                                     " outputs, expected ",
                                                     cfg.num_states + cfg.num_scan_outputs));
    }
    for (int k = 0; k < cfg.num_states; ++k) states[k] = std::move(results[k]);
    for (int s = 0; s < cfg.num_scan_outputs; ++s) {
      scan_outputs[s].push_back(std::move(results[cfg.num_states + s]));
    }
    results.clear();
  }
  for (int s = 0; s < cfg.num_scan_outputs; ++s) {
    if (cfg.output_directions[s] == 1) {
      std::reverse(scan_outputs[s].begin(), scan_outputs[s].end());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ScanLength(const ScanConfig& cfg,
                                   const std::vector<const Tensor*>& scan_inputs) {
  int64_t length = -1;
  for (int m = 0; m < cfg.num_scan_inputs; ++m) {
    const Tensor& x = *scan_inputs[m];
    int64_t axis = NormalizeAxis(cfg.input_axes[m], x.rank());
    if (axis < 0 || axis >= x.rank()) {
      return absl::InvalidArgumentError(absl::StrCat("Scan input ", m, " of rank ", x.rank(),
                                                     " has no axis ", cfg.input_axes[m]));
    }
    if (length >= 0 && x.dim(static_cast<int>(axis)) != length) {
      return absl::InvalidArgumentError("Scan inputs differ in sequence length");
    }
    length = x.dim(static_cast<int>(axis));
  }
  return length;
}

class ScanKernel : public Kernel {
 public:
  ScanKernel(BoundSubgraph body, ScanConfig cfg, bool batched)
      : body_(std::move(body)), cfg_(std::move(cfg)), batched_(batched) {}

  absl::Status Compute(KernelContext& ctx) const override {
    int first = batched_ ? 1 : 0;  // opset 8: sequence_lens comes first
    for (int i = first; i < first + cfg_.num_states + cfg_.num_scan_inputs; ++i) {
      if (ctx.input(i) == nullptr) return absl::InvalidArgumentError("Scan: missing input");
    }
    return batched_ ? ComputeBatched(ctx) : ComputeUnbatched(ctx, 0);
  }

 private:
  absl::Status ComputeUnbatched(KernelContext& ctx, int first) const {
    std::vector<Tensor> states;
    for (int k = 0; k < cfg_.num_states; ++k) states.push_back(ctx.input(first + k)->Clone());
    std::vector<const Tensor*> scan_inputs;
    for (int m = 0; m < cfg_.num_scan_inputs; ++m) {
      scan_inputs.push_back(ctx.input(first + cfg_.num_states + m));
    }
    ASSIGN_OR_RETURN(int64_t length, ScanLength(cfg_, scan_inputs));
    std::vector<std::vector<Tensor>> outs(cfg_.num_scan_outputs);
    RETURN_IF_ERROR(ScanOnce(body_, cfg_, OuterValues(body_, ctx), states, scan_inputs,
                             std::max<int64_t>(length, 0), outs));
    for (int k = 0; k < cfg_.num_states; ++k) RETURN_IF_ERROR(EmitOutput(ctx, k, states[k]));
    const std::vector<DataType>& types = body_.runner->output_types();
    for (int s = 0; s < cfg_.num_scan_outputs; ++s) {
      int rank = outs[s].empty() ? 0 : outs[s][0].rank() + 1;
      int axis = static_cast<int>(NormalizeAxis(cfg_.output_axes[s], rank));
      RETURN_IF_ERROR(StackInto(ctx, cfg_.num_states + s, outs[s], axis,
                                types[cfg_.num_states + s]));
    }
    return absl::OkStatus();
  }

  // Opset 8: every input has a leading batch axis; each batch entry is scanned on its own,
  // for sequence_lens[b] steps (all steps when absent).
  absl::Status ComputeBatched(KernelContext& ctx) const {
    const Tensor* lens = ctx.input(0);
    const Tensor& probe = *ctx.input(1);
    if (probe.rank() < 1) return absl::InvalidArgumentError("Scan-8 inputs need a batch axis");
    int64_t batch = probe.dim(0);
    std::vector<std::vector<Tensor>> final_states(cfg_.num_states);
    std::vector<std::vector<Tensor>> stacked(cfg_.num_scan_outputs);
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Tensor> states;
      std::vector<Tensor> slices;
      slices.reserve(cfg_.num_scan_inputs);
      for (int k = 0; k < cfg_.num_states; ++k) {
        const Tensor& s = *ctx.input(1 + k);
        if (s.rank() < 1 || s.dim(0) != batch) {
          return absl::InvalidArgumentError("Scan-8 state inputs must share the batch size");
        }
        states.push_back(SliceAxis(s, 0, b));
      }
      std::vector<const Tensor*> scan_inputs;
      for (int m = 0; m < cfg_.num_scan_inputs; ++m) {
        const Tensor& x = *ctx.input(1 + cfg_.num_states + m);
        if (x.rank() < 2 || x.dim(0) != batch) {
          return absl::InvalidArgumentError("Scan-8 scan inputs need [batch, sequence, ...]");
        }
        slices.push_back(SliceAxis(x, 0, b));
        scan_inputs.push_back(&slices.back());
      }
      ASSIGN_OR_RETURN(int64_t length, ScanLength(cfg_, scan_inputs));
      if (lens != nullptr) {
        if (lens->dtype() != DataType::kInt64 || lens->num_elements() != batch) {
          return absl::InvalidArgumentError("Scan-8 sequence_lens must be int64 [batch]");
        }
        int64_t want = lens->data<int64_t>()[b];
        if (want < 0 || want > length) {
          return absl::InvalidArgumentError("Scan-8 sequence_lens entry out of range");
        }
        length = want;
      }
      std::vector<std::vector<Tensor>> outs(cfg_.num_scan_outputs);
      RETURN_IF_ERROR(
          ScanOnce(body_, cfg_, OuterValues(body_, ctx), states, scan_inputs, length, outs));
      for (int k = 0; k < cfg_.num_states; ++k) final_states[k].push_back(std::move(states[k]));
      for (int s = 0; s < cfg_.num_scan_outputs; ++s) {
        RETURN_IF_ERROR(StackParts(outs[s], stacked[s]));
      }
    }
    const std::vector<DataType>& types = body_.runner->output_types();
    for (int k = 0; k < cfg_.num_states; ++k) {
      RETURN_IF_ERROR(StackInto(ctx, k, final_states[k], 0, types[k]));
    }
    for (int s = 0; s < cfg_.num_scan_outputs; ++s) {
      RETURN_IF_ERROR(StackInto(ctx, cfg_.num_states + s, stacked[s], 0,
                                types[cfg_.num_states + s]));
    }
    return absl::OkStatus();
  }

  // Stacks one batch entry's per-step outputs along axis 0 into one tensor.
  static absl::Status StackParts(const std::vector<Tensor>& parts, std::vector<Tensor>& into) {
    if (parts.empty()) return absl::InvalidArgumentError("Scan-8 with an empty sequence");
    Shape shape = parts[0].shape();
    shape.insert(shape.begin(), static_cast<int64_t>(parts.size()));
    Tensor joined(parts[0].dtype(), shape);
    int64_t n = parts[0].num_elements();
    for (size_t k = 0; k < parts.size(); ++k) {
      if (parts[k].num_elements() != n) {
        return absl::InvalidArgumentError("Scan outputs change shape between steps");
      }
      if (joined.dtype() == DataType::kString) {
        for (int64_t e = 0; e < n; ++e) joined.strings()[k * n + e] = parts[k].strings()[e];
      } else if (n > 0) {
        size_t bytes = parts[k].byte_size();
        std::memcpy(static_cast<char*>(joined.raw_data()) + k * bytes, parts[k].raw_data(),
                    bytes);
      }
    }
    into.push_back(std::move(joined));
    return absl::OkStatus();
  }

  BoundSubgraph body_;
  ScanConfig cfg_;
  bool batched_;
};

absl::StatusOr<std::vector<int64_t>> IntsOfLength(const KernelInfo& info, const char* name,
                                                  size_t length, int64_t fill) {
  ASSIGN_OR_RETURN(std::vector<int64_t> v, info.IntsOr(name, {}));
  if (v.empty()) v.assign(length, fill);
  if (v.size() != length) {
    return info.Error(absl::StrCat("attribute ", name, " has ", v.size(), " entries, expected ",
                                   length));
  }
  for (int64_t d : v) {
    if (std::string(name).find("direction") != std::string::npos && d != 0 && d != 1) {
      return info.Error(absl::StrCat("attribute ", name, " must hold 0 or 1"));
    }
  }
  return v;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateScan(KernelInfo& info) {
  bool batched = info.opset() < 9;
  ScanConfig cfg;
  ASSIGN_OR_RETURN(int64_t num_scan_inputs, info.RequiredInt("num_scan_inputs"));
  int declared = static_cast<int>(info.node().inputs.size()) - (batched ? 1 : 0);
  if (num_scan_inputs < 1 || num_scan_inputs > declared) {
    return info.Error("num_scan_inputs must be between 1 and the number of inputs");
  }
  cfg.num_scan_inputs = static_cast<int>(num_scan_inputs);
  cfg.num_states = declared - cfg.num_scan_inputs;
  ASSIGN_OR_RETURN(BoundSubgraph body, BindSubgraph(info, "body"));
  const std::vector<DataType>& types = body.runner->output_types();
  cfg.num_scan_outputs = static_cast<int>(types.size()) - cfg.num_states;
  if (cfg.num_scan_outputs < 0 || info.num_outputs() != static_cast<int>(types.size())) {
    return info.Error(absl::StrCat("the body has ", types.size(), " outputs, the node ",
                                   info.num_outputs()));
  }
  size_t m = cfg.num_scan_inputs;
  size_t k = cfg.num_scan_outputs;
  if (batched) {
    ASSIGN_OR_RETURN(cfg.input_directions, IntsOfLength(info, "directions", m, 0));
    cfg.input_axes.assign(m, 0);
    cfg.output_axes.assign(k, 0);
    cfg.output_directions.assign(k, 0);
  } else {
    ASSIGN_OR_RETURN(cfg.input_directions, IntsOfLength(info, "scan_input_directions", m, 0));
    ASSIGN_OR_RETURN(cfg.input_axes, IntsOfLength(info, "scan_input_axes", m, 0));
    ASSIGN_OR_RETURN(cfg.output_directions, IntsOfLength(info, "scan_output_directions", k, 0));
    ASSIGN_OR_RETURN(cfg.output_axes, IntsOfLength(info, "scan_output_axes", k, 0));
  }
  info.output_types() = types;
  return std::unique_ptr<Kernel>(new ScanKernel(std::move(body), std::move(cfg), batched));
}

}  // namespace

absl::Status RegisterScan(KernelRegistry& registry) {
  KernelDef def;
  def.op_type = "Scan";
  def.since_version = 8;
  def.end_version = 21;
  def.type_input = -1;
  def.factory = CreateScan;
  return registry.Register(std::move(def));
}

}  // namespace berth::engine
