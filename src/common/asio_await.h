// Runs one asynchronous Asio/Beast operation to its end on a private io_context: for clients
// that make one call at a time from their own thread (the CLI's admin client, the webhook
// notifier) and want the async operations only for their timeouts. Header-only; the includer
// brings Boost.
//
//   beast::error_code ec = AwaitOne(context, [&](auto done) { stream.async_connect(ep, done); });
#ifndef BERTH_COMMON_ASIO_AWAIT_H_
#define BERTH_COMMON_ASIO_AWAIT_H_

#include "boost/asio/error.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/beast/core/error.hpp"

namespace berth {

// Starts the operation with a completion handler (`start(handler)`), runs `context` until
// nothing is left to do, and returns the operation's error code. What bounds the wait is the
// caller's: a stream's expiry, or a timer that cancels the operation.
template <typename Start>
boost::beast::error_code AwaitOne(boost::asio::io_context& context, Start start) {
  boost::beast::error_code result = boost::asio::error::would_block;
  start([&result](boost::beast::error_code ec, auto&&...) { result = ec; });
  context.restart();
  context.run();
  return result;
}

}  // namespace berth

#endif  // BERTH_COMMON_ASIO_AWAIT_H_
