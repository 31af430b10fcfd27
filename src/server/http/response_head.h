// Internal to the HTTP front end: the status line and headers of a response, written by hand
// into a reused string. Beast's serializer walks a generic header container through layers
// of buffer views on every response; the headers berth sends are a fixed handful.
#ifndef BERTH_SERVER_HTTP_RESPONSE_HEAD_H_
#define BERTH_SERVER_HTTP_RESPONSE_HEAD_H_

#include <string>

#include "server/http/handlers.h"

namespace berth::server {

// Replaces `*out` with the HTTP/1.1 head of `reply` (status line, Server, Content-Type when
// set, Content-Length of its body, Inference-Header-Content-Length when json_header_size > 0,
// Allow, Berth-Model-Version, Berth-Model-Digest and x-request-id when set, "Connection: close" unless
// `keep_alive`) and the blank line; the body is
// sent after it as it is. Values come from berth itself; CR and LF in them are dropped so that
// a header can never be split.
void WriteResponseHead(const HttpReply& reply, bool keep_alive, std::string* out);

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_RESPONSE_HEAD_H_
