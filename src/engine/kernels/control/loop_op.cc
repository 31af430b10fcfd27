// Loop: runs its body while the trip count and the condition allow (opsets 1-21).
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/control/control_ops.h"
#include "engine/kernels/control/subgraph_util.h"

namespace berth::engine {
namespace {

class LoopKernel : public Kernel {
 public:
  LoopKernel(BoundSubgraph body, int num_carried, int num_scan)
      : body_(std::move(body)), num_carried_(num_carried), num_scan_(num_scan) {}

  absl::Status Compute(KernelContext& ctx) const override {
    int64_t max_trips = -1;  // none: the condition alone decides
    if (ctx.input(0) != nullptr) {
      ASSIGN_OR_RETURN(max_trips, ScalarInt64(*ctx.input(0), "Loop trip count M"));
    }
    bool cond = true;
    if (ctx.input(1) != nullptr) {
      ASSIGN_OR_RETURN(cond, ScalarBool(*ctx.input(1), "Loop cond"));
    }
    std::vector<Tensor> carried;
    for (int k = 0; k < num_carried_; ++k) {
      const Tensor* init = ctx.input(2 + k);
      if (init == nullptr) return absl::InvalidArgumentError("Loop: missing initial value");
      carried.push_back(init->Clone());
    }
    std::vector<std::vector<Tensor>> scans(num_scan_);
    std::vector<const Tensor*> outer = OuterValues(body_, ctx);
    Tensor iteration(DataType::kInt64, {});
    Tensor cond_in(DataType::kBool, {});
    std::vector<Tensor> results;
    for (int64_t i = 0; cond && (max_trips < 0 || i < max_trips); ++i) {
      iteration.data<int64_t>()[0] = i;
      cond_in.data<bool>()[0] = cond;
      std::vector<const Tensor*> inputs = {&iteration, &cond_in};
      for (const Tensor& c : carried) inputs.push_back(&c);
      RETURN_IF_ERROR(body_.runner->Run(inputs, outer, &results));
      if (static_cast<int>(results.size()) != 1 + num_carried_ + num_scan_) {
        return absl::InvalidArgumentError(absl::StrCat("Loop body gave ", results.size(),
                                                       " outputs, expected ",
                                                       1 + num_carried_ + num_scan_));
      }
      ASSIGN_OR_RETURN(cond, ScalarBool(results[0], "Loop body's cond output"));
      for (int k = 0; k < num_carried_; ++k) carried[k] = std::move(results[1 + k]);
      for (int s = 0; s < num_scan_; ++s) {
        scans[s].push_back(std::move(results[1 + num_carried_ + s]));
      }
      results.clear();
    }
    for (int k = 0; k < num_carried_; ++k) RETURN_IF_ERROR(EmitOutput(ctx, k, carried[k]));
    const std::vector<DataType>& types = body_.runner->output_types();
    for (int s = 0; s < num_scan_; ++s) {
      RETURN_IF_ERROR(StackInto(ctx, num_carried_ + s, scans[s], 0,
                                types[1 + num_carried_ + s]));
    }
    return absl::OkStatus();
  }

 private:
  BoundSubgraph body_;
  int num_carried_;
  int num_scan_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateLoop(KernelInfo& info) {
  int num_carried = static_cast<int>(info.node().inputs.size()) - 2;
  if (num_carried < 0) return info.Error("Loop needs the M and cond inputs (maybe empty)");
  ASSIGN_OR_RETURN(BoundSubgraph body, BindSubgraph(info, "body"));
  const std::vector<DataType>& types = body.runner->output_types();
  int num_scan = static_cast<int>(types.size()) - 1 - num_carried;
  if (num_scan < 0 || info.num_outputs() != num_carried + num_scan) {
    return info.Error(absl::StrCat("the body has ", types.size(), " outputs; with ", num_carried,
                                   " loop-carried values the node needs ", types.size() - 1,
                                   " outputs, it has ", info.num_outputs()));
  }
  for (int k = 0; k < num_carried + num_scan; ++k) info.output_types()[k] = types[1 + k];
  return std::unique_ptr<Kernel>(new LoopKernel(std::move(body), num_carried, num_scan));
}

}  // namespace

absl::Status RegisterLoop(KernelRegistry& registry) {
  KernelDef def;
  def.op_type = "Loop";
  def.since_version = 1;
  def.end_version = 21;
  def.type_input = -1;  // M and cond are optional: no input selects the kernel
  def.factory = CreateLoop;
  return registry.Register(std::move(def));
}

}  // namespace berth::engine
