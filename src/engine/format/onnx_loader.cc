#include "engine/format/onnx_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/format/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace berth::engine {
namespace {

std::string NormalizeDomain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

const char* TypeCaseName(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kSequenceType: return "a sequence";
    case onnx::TypeProto::kMapType: return "a map";
    case onnx::TypeProto::kOptionalType: return "an optional";
    case onnx::TypeProto::kSparseTensorType: return "a sparse tensor";
    default: return "an unknown";
  }
}

absl::StatusOr<ValueInfo> ConvertValueInfo(const onnx::ValueInfoProto& proto,
                                           const char* role) {
  ValueInfo info;
  info.name = proto.name();
  if (info.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("a graph ", role, " has no name"));
  }
  if (!proto.has_type()) return info;  // type unknown: taken from what arrives
  const onnx::TypeProto& type = proto.type();
  if (type.value_case() != onnx::TypeProto::kTensorType) {
    return absl::UnimplementedError(absl::StrCat("graph ", role, " '", info.name, "' has ",
                                                 TypeCaseName(type),
                                                 " type; only tensors are supported"));
  }
  int32_t elem = type.tensor_type().elem_type();
  if (elem != 0 && !IsKnownDataType(elem)) {
    return absl::UnimplementedError(absl::StrCat("graph ", role, " '", info.name,
                                                 "' has element type ", elem,
                                                 ", which is not supported"));
  }
  info.dtype = static_cast<DataType>(elem);
  if (type.tensor_type().has_shape()) {
    info.has_shape = true;
    for (const auto& d : type.tensor_type().shape().dim()) {
      Dim dim;
      if (d.has_dim_value()) {
        if (d.dim_value() < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "graph ", role, " '", info.name, "' has a negative dimension ", d.dim_value()));
        }
        dim.value = d.dim_value();
      } else if (d.has_dim_param()) {
        dim.symbol = d.dim_param();
      }
      info.dims.push_back(std::move(dim));
    }
  }
  return info;
}

absl::StatusOr<Graph> ConvertGraph(onnx::GraphProto& proto, const std::string& data_dir,
                                   int depth);

absl::StatusOr<Attribute> ConvertAttribute(onnx::AttributeProto& proto,
                                           const std::string& data_dir, int depth) {
  Attribute attr;
  if (!proto.ref_attr_name().empty()) {
    return absl::UnimplementedError(
        absl::StrCat("attribute '", proto.name(), "' refers to a function attribute"));
  }
  switch (proto.type()) {
    case onnx::AttributeProto::FLOAT:
      attr.type = Attribute::Type::kFloat;
      attr.f = proto.f();
      break;
    case onnx::AttributeProto::INT:
      attr.type = Attribute::Type::kInt;
      attr.i = proto.i();
      break;
    case onnx::AttributeProto::STRING:
      attr.type = Attribute::Type::kString;
      attr.s = proto.s();
      break;
    case onnx::AttributeProto::TENSOR: {
      attr.type = Attribute::Type::kTensor;
      ASSIGN_OR_RETURN(Tensor t, TensorFromProto(proto.t(), data_dir));
      attr.t = std::make_shared<const Tensor>(std::move(t));
      break;
    }
    case onnx::AttributeProto::GRAPH: {
      attr.type = Attribute::Type::kGraph;
      ASSIGN_OR_RETURN(Graph g, ConvertGraph(*proto.mutable_g(), data_dir, depth + 1));
      attr.g = std::make_shared<const Graph>(std::move(g));
      break;
    }
    case onnx::AttributeProto::FLOATS:
      attr.type = Attribute::Type::kFloats;
      attr.floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case onnx::AttributeProto::INTS:
      attr.type = Attribute::Type::kInts;
      attr.ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case onnx::AttributeProto::STRINGS:
      attr.type = Attribute::Type::kStrings;
      attr.strings.assign(proto.strings().begin(), proto.strings().end());
      break;
    case onnx::AttributeProto::TENSORS:
      attr.type = Attribute::Type::kTensors;
      for (const auto& tp : proto.tensors()) {
        ASSIGN_OR_RETURN(Tensor t, TensorFromProto(tp, data_dir));
        attr.tensors.push_back(std::make_shared<const Tensor>(std::move(t)));
      }
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("attribute '", proto.name(), "' has type ",
                                                   static_cast<int>(proto.type()),
                                                   ", which is not supported"));
  }
  return attr;
}

absl::StatusOr<Node> ConvertNode(onnx::NodeProto& proto, const std::string& data_dir,
                                 int depth) {
  Node node;
  node.name = proto.name();
  node.op_type = proto.op_type();
  node.domain = NormalizeDomain(proto.domain());
  if (node.op_type.empty()) return absl::InvalidArgumentError("a node has no op_type");
  node.inputs.assign(proto.input().begin(), proto.input().end());
  node.outputs.assign(proto.output().begin(), proto.output().end());
  for (auto& a : *proto.mutable_attribute()) {
    absl::StatusOr<Attribute> attr = ConvertAttribute(a, data_dir, depth);
    if (!attr.ok()) {
      return absl::Status(attr.status().code(),
                          absl::StrCat(node.op_type, " node '", node.name, "': ",
                                       attr.status().message()));
    }
    if (!node.attributes.emplace(a.name(), *std::move(attr)).second) {
      return absl::InvalidArgumentError(absl::StrCat(node.op_type, " node '", node.name,
                                                     "' repeats attribute '", a.name(), "'"));
    }
  }
  return node;
}

// Names a subgraph reads but does not define: they must come from an enclosing graph.
std::vector<std::string> FreeNames(const Graph& graph) {
  std::set<std::string> defined;
  for (const ValueInfo& in : graph.inputs) defined.insert(in.name);
  for (const auto& [name, t] : graph.initializers) defined.insert(name);
  for (const Node& node : graph.nodes) {
    for (const std::string& out : node.outputs) defined.insert(out);
  }
  std::set<std::string> free;
  auto note = [&](const std::string& name) {
    if (!name.empty() && !defined.count(name)) free.insert(name);
  };
  for (const Node& node : graph.nodes) {
    for (const std::string& in : node.inputs) note(in);
    for (const auto& [attr_name, attr] : node.attributes) {
      if (attr.g) {
        for (const std::string& name : attr.g->outer_scope_names) note(name);
      }
    }
  }
  for (const ValueInfo& out : graph.outputs) note(out.name);
  return {free.begin(), free.end()};
}

absl::StatusOr<Graph> ConvertGraph(onnx::GraphProto& proto, const std::string& data_dir,
                                   int depth) {
  constexpr int kMaxSubgraphDepth = 32;
  if (depth > kMaxSubgraphDepth) {
    return absl::InvalidArgumentError("subgraphs are nested too deeply");
  }
  Graph graph;
  graph.name = proto.name();
  for (auto& init : *proto.mutable_initializer()) {
    if (init.name().empty()) return absl::InvalidArgumentError("an initializer has no name");
    // The weights' bytes move from the parsed proto into the tensor: never held twice.
    ASSIGN_OR_RETURN(Tensor t, TakeTensorFromProto(init, data_dir));
    if (!graph.initializers.emplace(init.name(), std::make_shared<const Tensor>(std::move(t)))
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat("initializer '", init.name(), "' is defined twice"));
    }
  }
  if (proto.sparse_initializer_size() > 0) {
    return absl::UnimplementedError("sparse initializers are not supported");
  }
  std::set<std::string> input_names;
  for (const auto& in : proto.input()) {
    ASSIGN_OR_RETURN(ValueInfo info, ConvertValueInfo(in, "input"));
    if (!input_names.insert(info.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("graph input '", info.name,
                                                     "' is listed twice"));
    }
    // Before IR 4 initializers were also listed as inputs; they stay constants here.
    if (graph.initializers.count(info.name)) continue;
    graph.inputs.push_back(std::move(info));
  }
  for (const auto& out : proto.output()) {
    ASSIGN_OR_RETURN(ValueInfo info, ConvertValueInfo(out, "output"));
    graph.outputs.push_back(std::move(info));
  }
  for (const auto& vi : proto.value_info()) {
    absl::StatusOr<ValueInfo> info = ConvertValueInfo(vi, "value");
    if (info.ok()) graph.value_infos[info->name] = *std::move(info);
  }
  for (auto& n : *proto.mutable_node()) {
    ASSIGN_OR_RETURN(Node node, ConvertNode(n, data_dir, depth));
    graph.nodes.push_back(std::move(node));
  }
  if (depth > 0) graph.outer_scope_names = FreeNames(graph);
  RETURN_IF_ERROR(TopologicalSort(graph));
  std::set<std::string> produced(input_names.begin(), input_names.end());
  for (const auto& [name, t] : graph.initializers) produced.insert(name);
  for (const Node& node : graph.nodes) produced.insert(node.outputs.begin(), node.outputs.end());
  produced.insert(graph.outer_scope_names.begin(), graph.outer_scope_names.end());
  for (const ValueInfo& out : graph.outputs) {
    if (!produced.count(out.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph output '", out.name, "' is never produced"));
    }
  }
  return graph;
}

absl::Status CheckOpsets(const onnx::ModelProto& proto, ModelGraph& model) {
  for (const auto& opset : proto.opset_import()) {
    std::string domain = NormalizeDomain(opset.domain());
    if (domain.empty() && (opset.version() < 1 || opset.version() > kMaxDefaultOpset)) {
      return absl::UnimplementedError(absl::StrCat(
          "the model imports opset ", opset.version(), " of domain ai.onnx; berth supports 1 to ",
          kMaxDefaultOpset));
    }
    model.opsets[domain] = opset.version();
  }
  if (!model.opsets.count("")) {
    return absl::InvalidArgumentError("the model imports no opset of the default domain");
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelGraph> ConvertModel(onnx::ModelProto& proto,
                                        const std::string& external_data_dir);

}  // namespace

absl::StatusOr<ModelGraph> ParseOnnxModel(std::string_view bytes,
                                          const std::string& external_data_dir) {
  if (bytes.empty()) return absl::InvalidArgumentError("the model file is empty");
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError("the model is over the 2 GiB protobuf limit");
  }
  onnx::ModelProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("not an ONNX model: the protobuf does not parse");
  }
  return ConvertModel(proto, external_data_dir);
}

absl::StatusOr<ModelGraph> ParseOnnxModelFile(const std::string& path, uint64_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat("cannot open '", path, "': ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a regular file"));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("the model file '", path, "' is empty"));
  }
  if (size > max_bytes || size > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("the model file '", path, "' is ", size,
                                                   " bytes, over the limit of ",
                                                   std::min<uint64_t>(max_bytes, INT32_MAX)));
  }
  onnx::ModelProto proto;
  bool parsed;
  {
    google::protobuf::io::FileInputStream stream(fd);
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(static_cast<int>(size));
    parsed = proto.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
  }
  close(fd);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "' is not an ONNX model: the protobuf does not parse"));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ConvertModel(proto, dir.empty() ? "." : dir);
}

namespace {

absl::StatusOr<ModelGraph> ConvertModel(onnx::ModelProto& proto,
                                        const std::string& external_data_dir) {
  if (!proto.has_graph()) {
    return absl::InvalidArgumentError("not an ONNX model: it has no graph");
  }
  if (proto.ir_version() < kMinIrVersion) {
    return absl::UnimplementedError(absl::StrCat("IR version ", proto.ir_version(),
                                                 " is not supported (need ", kMinIrVersion,
                                                 " or newer)"));
  }
  if (proto.functions_size() > 0) {
    return absl::UnimplementedError("model-local functions are not supported");
  }
  ModelGraph model;
  model.ir_version = proto.ir_version();
  model.producer_name = proto.producer_name();
  model.producer_version = proto.producer_version();
  RETURN_IF_ERROR(CheckOpsets(proto, model));
  ASSIGN_OR_RETURN(model.graph, ConvertGraph(*proto.mutable_graph(), external_data_dir, 0));
  return model;
}

}  // namespace

}  // namespace berth::engine
