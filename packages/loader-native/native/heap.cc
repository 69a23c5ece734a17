// Gives the C heap's free pages back to the kernel. libbpf parses the
// kernel's BTF (about 15 MB) while each object loads; freed, those pages stay
// resident in malloc's heap until something trims it, because glibc only
// shrinks the heap's top. The agent calls this when loading ends and once a minute.
#include "common.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ebpfc {

/** trimHeap(): true when the C library returned memory to the kernel (false where it cannot: not glibc). */
Napi::Value TrimHeap(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace ebpfc
