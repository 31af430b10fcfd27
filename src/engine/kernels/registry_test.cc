#include "engine/kernels/registry.h"

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

class NoopKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext&) const override { return absl::OkStatus(); }
};

KernelDef MakeDef(int since, int end, std::vector<DataType> types) {
  KernelDef def;
  def.op_type = "Foo";
  def.since_version = since;
  def.end_version = end;
  def.types = std::move(types);
  def.factory = [](KernelInfo&) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    return std::make_unique<NoopKernel>();
  };
  return def;
}

TEST(KernelRegistryTest, FindsByOpsetAndType) {
  KernelRegistry registry;
  ASSERT_TRUE(registry.Register(MakeDef(1, 12, {DataType::kFloat})).ok());
  ASSERT_TRUE(registry.Register(MakeDef(13, 21, {DataType::kFloat, DataType::kInt64})).ok());
  EXPECT_TRUE(registry.Find("", "Foo", 7, {DataType::kFloat}).ok());
  EXPECT_EQ((*registry.Find("", "Foo", 13, {DataType::kInt64}))->since_version, 13);
}

TEST(KernelRegistryTest, RefusesOverlap) {
  KernelRegistry registry;
  ASSERT_TRUE(registry.Register(MakeDef(1, 12, {DataType::kFloat})).ok());
  EXPECT_EQ(registry.Register(MakeDef(10, 14, {})).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(registry.Register(MakeDef(10, 14, {DataType::kInt32})).ok());
}

TEST(KernelRegistryTest, ErrorsNameOpDomainOpsetAndType) {
  KernelRegistry registry;
  ASSERT_TRUE(registry.Register(MakeDef(1, 12, {DataType::kFloat})).ok());
  absl::Status missing = registry.Find("", "Bar", 11, {}).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(missing.message().find("Bar"), std::string::npos);
  EXPECT_NE(missing.message().find("ai.onnx"), std::string::npos);
  EXPECT_NE(missing.message().find("11"), std::string::npos);
  absl::Status opset = registry.Find("", "Foo", 13, {DataType::kFloat}).status();
  EXPECT_NE(opset.message().find("at this opset"), std::string::npos);
  absl::Status type = registry.Find("", "Foo", 5, {DataType::kDouble}).status();
  EXPECT_NE(type.message().find("double"), std::string::npos);
}

TEST(KernelRegistryTest, GlobalRegistryBuildsWithoutConflicts) {
  EXPECT_FALSE(GlobalKernelRegistry().All().empty());
}

}  // namespace
}  // namespace berth::engine
