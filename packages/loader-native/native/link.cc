#include "link.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ebpfc {

Napi::Function LinkHandle::Define(Napi::Env env) {
  return DefineClass(env, "LinkHandle",
                     {
                         InstanceMethod<&LinkHandle::Id>("id"),
                         InstanceMethod<&LinkHandle::Closed>("closed"),
                         InstanceMethod<&LinkHandle::Close>("close"),
                         InstanceMethod<&LinkHandle::ReadIter>("readIter"),
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

// readIter(maxBytes: number) -> Buffer: one pass of a BPF iterator (bpf_iter_create + read to EOF).
Napi::Value LinkHandle::ReadIter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string op = "read iterator " + core_->description;
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "readIter(maxBytes: number)");
  double limit = info[0].As<Napi::Number>().DoubleValue();
  if (!(limit >= 1 && limit <= double(1u << 30))) {
    throw Napi::RangeError::New(env, op + ": maxBytes must be between 1 and 2^30, got " + std::to_string(limit));
  }
  if (core_->link == nullptr) ThrowErrno(env, EBADF, op, "the link is closed");
  size_t maxBytes = size_t(limit);
  int fd = bpf_iter_create(bpf_link__fd(core_->link));
  if (fd < 0) ThrowErrno(env, errno, op, "bpf_iter_create");
  std::vector<uint8_t> out;
  // A seq_file hands out at most its buffer (8 pages for BPF iterators) per read.
  constexpr size_t kChunk = 64 * 1024;
  int err = 0;
  bool tooBig = false;
  try {
    for (;;) {
      size_t want = std::min(kChunk, maxBytes + 1 - out.size());
      size_t at = out.size();
      out.resize(at + want);
      ssize_t n = read(fd, out.data() + at, want);
      if (n < 0) {
        if (errno == EINTR) {
          out.resize(at);
          continue;
        }
        err = errno;
        out.resize(at);
        break;
      }
      out.resize(at + size_t(n));
      if (n == 0) break;
      if (out.size() > maxBytes) {
        tooBig = true;
        break;
      }
    }
  } catch (const std::bad_alloc&) {
    close(fd);
    throw Napi::RangeError::New(env, op + ": cannot allocate the output (out of memory)");
  }
  close(fd);
  if (err != 0) ThrowErrno(env, err, op, "read");
  if (tooBig) {
    throw Napi::RangeError::New(env, op + ": the iterator wrote more than maxBytes (" + std::to_string(maxBytes) + ")");
  }
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
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
