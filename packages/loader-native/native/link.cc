#include "link.h"

namespace ebpfc {

Napi::Function LinkHandle::Define(Napi::Env env) {
  return DefineClass(env, "LinkHandle",
                     {
                         InstanceMethod<&LinkHandle::Id>("id"),
                         InstanceMethod<&LinkHandle::Closed>("closed"),
                         InstanceMethod<&LinkHandle::Close>("close"),
                     });
}

Napi::Value LinkHandle::NewInstance(Napi::Env env, const std::shared_ptr<LinkCore>& core) {
  std::shared_ptr<LinkCore> copy = core;
  return Instance(env)->linkCtor.New({Napi::External<std::shared_ptr<LinkCore>>::New(env, &copy)});
}

LinkHandle::LinkHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinkHandle>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "LinkHandle is created by ProgramHandle.attach*()");
  }
  core_ = *info[0].As<Napi::External<std::shared_ptr<LinkCore>>>().Data();
}

Napi::Value LinkHandle::Id(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_->id); }

Napi::Value LinkHandle::Closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), core_->link == nullptr);
}

Napi::Value LinkHandle::Close(const Napi::CallbackInfo& info) {
  core_->Destroy();
  return info.Env().Undefined();
}

Napi::Value LinkHandle::DetachMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "detachLinks(handles: LinkHandle[])");
  Napi::Array handles = info[0].As<Napi::Array>();
  Napi::Function ctor = Instance(env)->linkCtor.Value();
  std::vector<std::shared_ptr<LinkCore>> cores;
  cores.reserve(handles.Length());
  for (uint32_t i = 0; i < handles.Length(); i++) {
    Napi::Value v = handles.Get(i);
    if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(ctor)) {
      throw Napi::TypeError::New(env, "detachLinks: element " + std::to_string(i) + " is not a LinkHandle");
    }
    cores.push_back(Unwrap(v.As<Napi::Object>())->core_);
  }
  DestroyLinks(cores);
  return env.Undefined();
}

}  // namespace ebpfc
