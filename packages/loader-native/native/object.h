// ObjectHandle: the JS handle of one bpf_object, from open through load to close.
#pragma once

#include "common.h"

namespace ebpfc {

class ObjectHandle : public Napi::ObjectWrap<ObjectHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ObjectHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value State(const Napi::CallbackInfo& info);
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value Globals(const Napi::CallbackInfo& info);
  Napi::Value SetGlobal(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value DrainLog(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bpf_object* RequireOpened(Napi::Env env, const char* op);

  std::shared_ptr<ObjectCore> core_;
};

}  // namespace ebpfc
