// Conv (all opsets) and its fused form FusedConv (domain "berth"); both run ConvKernel.
#include "common/status_macros.h"
#include "engine/kernels/nn/conv_kernel.h"
#include "engine/kernels/nn/nn_ops.h"

namespace berth::engine {
namespace {

absl::StatusOr<std::unique_ptr<Kernel>> CreateConv(KernelInfo& info) {
  return CreateConvKernel(info, ConvFusion{}, /*sum_input=*/-1);
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateFusedConv(KernelInfo& info) {
  ASSIGN_OR_RETURN(ConvFusion fusion, ReadConvFusion(info));
  return CreateConvKernel(info, fusion, /*sum_input=*/3);
}

}  // namespace

absl::Status RegisterConv(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "Conv",
                                     .since_version = 1,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat},
                                     .factory = CreateConv});
}

absl::Status RegisterFusedConv(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "berth",
                                     .op_type = "FusedConv",
                                     .since_version = 1,
                                     .end_version = 1,
                                     .type_input = 0,
                                     .types = {DataType::kFloat},
                                     .factory = CreateFusedConv});
}

}  // namespace berth::engine
