// ProgramHandle: the JS handle of one bpf_program (spec before load, live after).
#pragma once

#include "common.h"

namespace ebpfc {

class ProgramHandle : public Napi::ObjectWrap<ProgramHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Value NewInstance(Napi::Env env, const std::shared_ptr<ObjectCore>& core, bpf_program* prog);
  explicit ProgramHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value SectionName(const Napi::CallbackInfo& info);
  Napi::Value Autoload(const Napi::CallbackInfo& info);
  Napi::Value SetAutoload(const Napi::CallbackInfo& info);
  Napi::Value SetAttachTarget(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Id(const Napi::CallbackInfo& info);
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value AttachTracepoint(const Napi::CallbackInfo& info);
  Napi::Value AttachRawTracepoint(const Napi::CallbackInfo& info);
  Napi::Value AttachKprobe(const Napi::CallbackInfo& info);
  Napi::Value AttachTrace(const Napi::CallbackInfo& info);

  bpf_program* RequireOpened(Napi::Env env, const std::string& op);
  bpf_program* RequireLoaded(Napi::Env env, const std::string& op);
  /** Wraps a fresh bpf_link (or throws the attach error) and records it on the object. */
  Napi::Value FinishAttach(Napi::Env env, bpf_link* link, int err, const std::string& op, LogCapture& capture,
                           const std::string& feature, const std::string& reason);

  std::shared_ptr<ObjectCore> core_;
  bpf_program* prog_ = nullptr;
  std::string name_;
  std::string section_;
};

}  // namespace ebpfc
