// The I/O threads' spinning (HttpServerOptions::spin, GrpcServerOptions::spin): after an
// event a thread polls a little longer before it sleeps, so that a client's next request
// finds it awake. Right after a request was handed to a model's scheduler that is wasted, and
// worse: the spinning thread takes a core from the model's OpenMP team as it starts (ResNet-50
// answered 3-5% slower). A handler that just handed one off says so, and its thread sleeps at
// once after that event.
//
// Thread-local: each call speaks for the calling thread's current event only.
#ifndef BERTH_SERVER_COMMON_IO_SPIN_H_
#define BERTH_SERVER_COMMON_IO_SPIN_H_

namespace berth::server {

// Called by a handler: the thread should not spin after the event it is handling.
void SkipSpinAfterThisEvent();

// Called by the thread's loop after each event: whether the handler asked to skip the spin
// (and clears the request).
bool TakeSkipSpin();

}  // namespace berth::server

#endif  // BERTH_SERVER_COMMON_IO_SPIN_H_
