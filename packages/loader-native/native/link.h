// LinkHandle: the JS handle of one bpf_link. Closing it detaches.
#pragma once

#include "common.h"

namespace ebpfc {

class LinkHandle : public Napi::ObjectWrap<LinkHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Value NewInstance(Napi::Env env, const std::shared_ptr<LinkCore>& core);
  explicit LinkHandle(const Napi::CallbackInfo& info);
  /** `detachLinks(handles)`: detach many links (of any objects) at once, in parallel. */
  static Napi::Value DetachMany(const Napi::CallbackInfo& info);

 private:
  Napi::Value Id(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value ReadIter(const Napi::CallbackInfo& info);

  // Shared with the object that made the link, which detaches it when it closes.
  std::shared_ptr<LinkCore> core_;
};

}  // namespace ebpfc
