#include "server/common/io_spin.h"

namespace berth::server {
namespace {

thread_local bool skip_spin = false;

}  // namespace

void SkipSpinAfterThisEvent() { skip_spin = true; }

bool TakeSkipSpin() {
  const bool skip = skip_spin;
  skip_spin = false;
  return skip;
}

}  // namespace berth::server
