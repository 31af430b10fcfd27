// Internal to the HTTP front end: one keep-alive connection.
#ifndef BERTH_SERVER_HTTP_SESSION_H_
#define BERTH_SERVER_HTTP_SESSION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "server/http/server_state.h"

namespace berth::server {

// Lives as long as an asynchronous operation holds it. Everything runs on the one I/O thread
// whose io_context it belongs to, so it needs no strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Socket =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp, HttpServer::State::Executor>;
  Session(Socket socket, HttpServer::State* state);
  ~Session();

  void Start();
  // Closes the connection if no request is being handled (posted on shutdown).
  void CloseIfIdle();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void Dispatch(Request request);
  // Notices a client that goes away while its request is queued or running.
  void WatchForDisconnect();
  // Hands the infer call to the handler; answers at once when the reply came back before the
  // handler returned (a model run on this thread), else watches for a disconnect meanwhile.
  void DispatchInfer(HttpCall call, bool keep_alive);
  void Send(HttpReply reply, bool keep_alive);
  void OnWritten(boost::beast::error_code ec, bool keep_alive, bool body_unread);
  // The idle timeout from now (give or take a second, to spare system calls), or none while
  // a request waits for the model.
  void RefreshIdleTimeout();
  void ClearTimeout();
  void SendAndClose(HttpReply reply) { Send(std::move(reply), false); }
  // Infer calls: reads x-request-id (refused when invalid) and traceparent into `call` and
  // starts the record of the request that Send completes.
  absl::Status BeginInfer(const Request& req, HttpCall* call);
  // Writes the access line of the infer request `reply` answers (access_log.h).
  void LogInferAccess(const HttpReply& reply, size_t bytes_out);
  const std::string& Peer();
  void Close();
  // After a refusal sent before the body was read: stops sending, then reads and drops what
  // the client still sends for a short while, so that it sees the response instead of a
  // reset connection.
  void Linger();

  boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type> stream_;
  HttpServer::State* const state_;  // outlives every session
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::string out_head_;  // the response being written: head (response_head.h), then body
  std::string out_body_;
  bool dispatching_ = false;             // inside DispatchInfer's call of the handler
  std::optional<HttpReply> sync_reply_;  // a reply that came back during that call
  // When the idle deadline was last moved; empty while none is set (see RefreshIdleTimeout).
  std::optional<std::chrono::steady_clock::time_point> idle_deadline_set_;
  bool busy_ = false;        // a request is being handled
  uint64_t request_id_ = 0;  // which request a disconnect watch belongs to
  std::shared_ptr<std::atomic<bool>> cancelled_;
  // When the current request's headers had arrived.
  std::chrono::steady_clock::time_point request_start_;
  // The infer request being answered, from BeginInfer until its reply is sent.
  struct InferRecord {
    std::string model;
    std::string request_id;  // the transport's id, moved into the call when it is handled
    std::string traceparent;
    size_t bytes_in = 0;
  };
  std::optional<InferRecord> infer_;
  std::string peer_;  // the client's address, looked up when first logged
};

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_SESSION_H_
