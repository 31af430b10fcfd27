#include "protocol/feedback_json.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "protocol/json_number.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace berth::protocol {
namespace {

absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid feedback: ", what));
}

}  // namespace

absl::StatusOr<FeedbackRequest> ParseFeedbackJson(absl::string_view body) {
  if (body.size() > kMaxFeedbackBodyBytes) {
    return Bad(absl::StrCat("the body has ", body.size(), " bytes, more than the limit of ",
                            kMaxFeedbackBodyBytes));
  }
  rapidjson::Document doc;
  const rapidjson::ParseResult parsed = ParseJsonDocument(body, &doc);
  if (parsed.IsError()) {
    return Bad(absl::StrCat("the body is not JSON (", rapidjson::GetParseError_En(parsed.Code()),
                            " at offset ", parsed.Offset(), ")"));
  }
  if (!doc.IsObject()) return Bad("the body must be a JSON object");
  FeedbackRequest request;
  bool has_id = false, has_label = false;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    const std::string name(m->name.GetString(), m->name.GetStringLength());
    if (name == "id") {
      if (!m->value.IsString()) return Bad("'id' must be a string");
      request.id.assign(m->value.GetString(), m->value.GetStringLength());
      if (request.id.empty() || request.id.size() > kMaxFeedbackIdBytes) {
        return Bad(absl::StrCat("'id' must be 1 to ", kMaxFeedbackIdBytes, " bytes"));
      }
      has_id = true;
    } else if (name == "label") {
      if (!m->value.IsNumber() || !std::isfinite(m->value.GetDouble())) {
        return Bad("'label' must be a number (a class index, or a regression target)");
      }
      request.label = m->value.GetDouble();
      request.label_is_integer = m->value.IsInt64() || m->value.IsUint64();
      has_label = true;
    } else {
      return Bad(absl::StrCat("unknown member '", name.substr(0, 64),
                              "' (expected \"id\" and \"label\")"));
    }
  }
  if (!has_id) return Bad("'id' is missing (the id of the request being labelled)");
  if (!has_label) return Bad("'label' is missing");
  return request;
}

std::string FeedbackReplyJson(const FeedbackReply& reply) {
  JsonWriter w;
  w.BeginObject();
  w.Key("model").String(reply.model);
  w.Key("model_version").String(std::to_string(reply.version));
  w.Key("id").String(reply.id);
  w.Key("task").String(reply.classification ? "classification" : "regression");
  if (reply.classification) {
    w.Key("predicted").Int(static_cast<int64_t>(reply.predicted));
    w.Key("label").Int(static_cast<int64_t>(reply.label));
    w.Key("correct").Bool(reply.correct);
  } else {
    w.Key("predicted").Double(reply.predicted);
    w.Key("label").Double(reply.label);
    w.Key("absolute_error").Double(reply.absolute_error);
  }
  w.EndObject();
  return w.str();
}

}  // namespace berth::protocol
