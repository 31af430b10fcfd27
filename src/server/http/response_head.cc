#include "server/http/response_head.h"

#include "absl/strings/str_cat.h"
#include "boost/beast/http/status.hpp"

namespace berth::server {
namespace {

void AppendHeader(std::string* out, absl::string_view name, absl::string_view value) {
  absl::StrAppend(out, name, ": ");
  for (char c : value) {
    if (c != '\r' && c != '\n') out->push_back(c);
  }
  out->append("\r\n");
}

}  // namespace

void WriteResponseHead(const HttpReply& reply, bool keep_alive, std::string* out) {
  const auto status = static_cast<boost::beast::http::status>(reply.status);
  const boost::beast::string_view reason = boost::beast::http::obsolete_reason(status);
  out->clear();
  absl::StrAppend(out, "HTTP/1.1 ", reply.status, " ",
                  absl::string_view(reason.data(), reason.size()), "\r\nServer: berth\r\n");
  if (!reply.content_type.empty()) AppendHeader(out, "Content-Type", reply.content_type);
  absl::StrAppend(out, "Content-Length: ", reply.body.size(), "\r\n");
  if (reply.json_header_size > 0) {
    absl::StrAppend(out, "Inference-Header-Content-Length: ", reply.json_header_size, "\r\n");
  }
  if (!reply.allow.empty()) AppendHeader(out, "Allow", reply.allow);
  if (!reply.model_version.empty()) AppendHeader(out, "Berth-Model-Version", reply.model_version);
  if (!reply.model_digest.empty()) AppendHeader(out, "Berth-Model-Digest", reply.model_digest);
  if (!reply.request_id.empty()) AppendHeader(out, "x-request-id", reply.request_id);
  if (!keep_alive) out->append("Connection: close\r\n");
  out->append("\r\n");
}

}  // namespace berth::server
