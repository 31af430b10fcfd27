// If: runs then_branch or else_branch by a bool condition (opsets 1-21).
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/control/control_ops.h"
#include "engine/kernels/control/subgraph_util.h"

namespace berth::engine {
namespace {

class IfKernel : public Kernel {
 public:
  IfKernel(BoundSubgraph then_branch, BoundSubgraph else_branch)
      : then_(std::move(then_branch)), else_(std::move(else_branch)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    if (ctx.input(0) == nullptr) return absl::InvalidArgumentError("If: missing condition");
    ASSIGN_OR_RETURN(bool cond, ScalarBool(*ctx.input(0), "If condition"));
    const BoundSubgraph& branch = cond ? then_ : else_;
    std::vector<Tensor> results;
    RETURN_IF_ERROR(branch.runner->Run({}, OuterValues(branch, ctx), &results));
    if (static_cast<int>(results.size()) != ctx.num_outputs()) {
      return absl::InvalidArgumentError(absl::StrCat("If: the ", cond ? "then" : "else",
                                                     " branch gave ", results.size(),
                                                     " outputs, the node has ",
                                                     ctx.num_outputs()));
    }
    for (int i = 0; i < ctx.num_outputs(); ++i) RETURN_IF_ERROR(EmitOutput(ctx, i, results[i]));
    return absl::OkStatus();
  }

 private:
  BoundSubgraph then_;
  BoundSubgraph else_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateIf(KernelInfo& info) {
  ASSIGN_OR_RETURN(BoundSubgraph then_branch, BindSubgraph(info, "then_branch"));
  ASSIGN_OR_RETURN(BoundSubgraph else_branch, BindSubgraph(info, "else_branch"));
  const std::vector<DataType>& types = then_branch.runner->output_types();
  if (static_cast<int>(types.size()) != info.num_outputs()) {
    return info.Error(absl::StrCat("then_branch has ", types.size(), " outputs, the node has ",
                                   info.num_outputs()));
  }
  info.output_types() = types;
  return std::unique_ptr<Kernel>(new IfKernel(std::move(then_branch), std::move(else_branch)));
}

}  // namespace

absl::Status RegisterIf(KernelRegistry& registry) {
  KernelDef def;
  def.op_type = "If";
  def.since_version = 1;
  def.end_version = 21;
  def.types = {DataType::kBool};
  def.factory = CreateIf;
  return registry.Register(std::move(def));
}

}  // namespace berth::engine
