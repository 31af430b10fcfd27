// Optimized vs unoptimized outputs on real model files, when BERTH_PASSES_MODELS names a
// folder of .onnx files (e.g. the benchmark models of bench/run.sh). Skipped otherwise.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

// Inputs as `berth bench` makes them: symbolic dims 1, floats in [0, 1), integers in [0, 100).
std::vector<Tensor> BenchInputs(const Model& model) {
  std::vector<Tensor> inputs;
  std::mt19937 gen(7);
  for (const TensorSignature& sig : model.inputs()) {
    Shape shape;
    for (const Dim& d : sig.dims) shape.push_back(d.is_fixed() ? d.value : 1);
    Tensor t(sig.dtype, shape);
    if (sig.dtype == DataType::kFloat) {
      std::uniform_real_distribution<float> dist(0, 1);
      for (float& v : t.span<float>()) v = dist(gen);
    } else if (sig.dtype == DataType::kInt64) {
      std::uniform_int_distribution<int64_t> dist(0, 99);
      for (int64_t& v : t.span<int64_t>()) v = dist(gen);
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

void CheckModel(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();

  ModelOptions plain;
  plain.optimize = false;
  plain.intra_op_threads = 2;
  ModelOptions optimized = plain;
  optimized.optimize = true;
  auto reference = Model::LoadFromBytes(bytes, plain);
  ASSERT_TRUE(reference.ok()) << reference.status();
  std::vector<Tensor> inputs = BenchInputs(**reference);
  std::vector<Tensor> want;
  ASSERT_TRUE((*reference)->Run(testing::Pointers(inputs), &want).ok());

  absl::StatusOr<ModelGraph> g = ParseOnnxModel(bytes, "");
  ASSERT_TRUE(g.ok()) << g.status();
  const size_t before = g->graph.nodes.size();
  ASSERT_TRUE(OptimizeGraph(*g, GlobalKernelRegistry()).ok());
  std::map<std::string, int> ops;
  for (const Node& n : g->graph.nodes) {
    ++ops[n.domain.empty() ? n.op_type : n.domain + "." + n.op_type];
  }
  std::string summary;
  for (const auto& [op, count] : ops) summary += " " + op + ":" + std::to_string(count);
  std::cout << path.filename().string() << ": " << before << " -> " << g->graph.nodes.size()
            << " nodes;" << summary << "\n";
  auto shared = std::make_shared<const Graph>(std::move(g->graph));
  auto plan = ExecutionPlan::Create(shared, g->opsets, GlobalKernelRegistry(), 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<Tensor> got;
  ASSERT_TRUE((*plan)->Run(testing::Pointers(inputs), &got).ok());
  testing::ExpectClose(got, want, "optimized plan", 1e-4f);

  auto model = Model::LoadFromBytes(bytes, optimized);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<Tensor> got_model;
  ASSERT_TRUE((*model)->Run(testing::Pointers(inputs), &got_model).ok());
  testing::ExpectClose(got_model, want, "optimized model", 1e-4f);
}

TEST(RealModelsTest, OptimizedMatchesUnoptimized) {
  const char* dir = std::getenv("BERTH_PASSES_MODELS");
  if (dir == nullptr) GTEST_SKIP() << "set BERTH_PASSES_MODELS to a folder of .onnx files";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".onnx") continue;
    SCOPED_TRACE(entry.path().string());
    CheckModel(entry.path());
  }
}

}  // namespace
}  // namespace berth::engine
