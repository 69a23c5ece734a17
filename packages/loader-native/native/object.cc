#include "object.h"

#include <cerrno>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "map.h"
#include "program.h"

namespace ebpfc {

namespace {

const char* StateName(ObjectState s) {
  switch (s) {
    case ObjectState::Opened: return "opened";
    case ObjectState::Loading: return "loading";
    case ObjectState::Loaded: return "loaded";
    case ObjectState::Failed: return "failed";
    case ObjectState::Closed: return "closed";
  }
  return "closed";
}

/** A `.rodata` variable found through the BTF of its datasec. */
struct GlobalVar {
  std::string name;
  std::string section;
  uint32_t offset;
  uint32_t size;
  bpf_map* map;
};

bpf_map* InternalMapFor(bpf_object* obj, const std::string& section) {
  // libbpf names internal maps "<object prefix><section>", e.g. "counter.rodata".
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (!bpf_map__is_internal(map)) continue;
    std::string name = bpf_map__name(map);
    if (name.size() >= section.size() && name.compare(name.size() - section.size(), section.size(), section) == 0)
      return map;
  }
  return nullptr;
}

std::vector<GlobalVar> ReadOnlyGlobals(bpf_object* obj) {
  std::vector<GlobalVar> out;
  const struct btf* btf = bpf_object__btf(obj);
  if (btf == nullptr) return out;
  uint32_t n = btf__type_cnt(btf);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_datasec(t)) continue;
    std::string section = btf__name_by_offset(btf, t->name_off);
    if (section.rfind(".rodata", 0) != 0) continue;
    bpf_map* map = InternalMapFor(obj, section);
    if (map == nullptr) continue;
    const struct btf_var_secinfo* info = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++, info++) {
      const struct btf_type* var = btf__type_by_id(btf, info->type);
      if (var == nullptr || !btf_is_var(var)) continue;
      out.push_back({btf__name_by_offset(btf, var->name_off), section, info->offset, info->size, map});
    }
  }
  return out;
}

/**
 * Runs bpf_object__load off the JS thread: the verifier can take seconds on
 * big programs. The object core is kept alive by the worker until OnOK.
 */
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::shared_ptr<ObjectCore> core)
      : Napi::AsyncWorker(env, "bpfObjectLoad"), core_(std::move(core)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // A worker terminated while its load was in flight: its environment can no
  // longer run JS, so settling the promise throws (and node-addon-api's
  // rethrow would escape as std::terminate). Nobody is left to wait for it.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);
      return;
    } catch (...) {
    }
    Destroy();
  }

 protected:
  void Execute() override {
    LogCapture capture;
    int r = bpf_object__load(core_->obj);
    err_ = r < 0 ? -r : 0;
    log_ = std::move(capture.lines);
#if defined(__GLIBC__)
    // A load parses the kernel's whole BTF (tens of MB) and frees it again
    // afterwards; glibc keeps those pages in this thread's arena, so a plugin
    // with a few objects would otherwise carry them for its whole life.
    malloc_trim(0);
#endif
  }

  void OnOK() override {
    Napi::Env env = Env();
    core_->state = err_ == 0 ? ObjectState::Loaded : ObjectState::Failed;
    if (core_->closeRequested) {
      core_->Close();
    }
    if (err_ == 0) {
      core_->pendingLog.insert(core_->pendingLog.end(), log_.begin(), log_.end());
      if (core_->state == ObjectState::Closed) {
        ErrorInfo info;
        info.err = EBADF;
        info.op = "load object " + core_->name;
        info.detail = "the object was closed while loading";
        info.object = core_->name;
        deferred_.Reject(MakeError(env, info).Value());
        return;
      }
      deferred_.Resolve(env.Undefined());
      return;
    }
    ErrorInfo info;
    info.err = err_;
    info.object = core_->name;
    info.program = FindNamedInLog(log_, "prog");
    info.map = info.program.empty() ? FindNamedInLog(log_, "map") : "";
    info.op = "load object " + core_->name;
    if (!info.program.empty()) {
      info.op += " (program " + info.program + ")";
      info.verifierLog = ExtractVerifierLog(log_, info.program);
    } else if (!info.map.empty()) {
      info.op += " (map " + info.map + ")";
    }
    info.log = std::move(log_);
    deferred_.Reject(MakeError(env, info).Value());
  }

 private:
  std::shared_ptr<ObjectCore> core_;
  Napi::Promise::Deferred deferred_;
  int err_ = 0;
  std::vector<LogLine> log_;
};

}  // namespace

Napi::Function ObjectHandle::Define(Napi::Env env) {
  return DefineClass(env, "ObjectHandle",
                     {
                         InstanceMethod<&ObjectHandle::Name>("name"),
                         InstanceMethod<&ObjectHandle::State>("state"),
                         InstanceMethod<&ObjectHandle::Programs>("programs"),
                         InstanceMethod<&ObjectHandle::Maps>("maps"),
                         InstanceMethod<&ObjectHandle::Globals>("globals"),
                         InstanceMethod<&ObjectHandle::SetGlobal>("setGlobal"),
                         InstanceMethod<&ObjectHandle::Load>("load"),
                         InstanceMethod<&ObjectHandle::DrainLog>("drainLog"),
                         InstanceMethod<&ObjectHandle::Close>("close"),
                     });
}

// new ObjectHandle(pathOrImage: string | Buffer, name: string, btfPath: string | undefined)
ObjectHandle::ObjectHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ObjectHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "ObjectHandle(pathOrImage, name, btfPath?)");
  }
  auto core = std::make_shared<ObjectCore>();
  core->name = info[1].As<Napi::String>().Utf8Value();
  std::string btfPath;
  if (info.Length() > 2 && info[2].IsString()) btfPath = info[2].As<Napi::String>().Utf8Value();

  LIBBPF_OPTS(bpf_object_open_opts, opts);
  opts.object_name = core->name.c_str();
  if (!btfPath.empty()) opts.btf_custom_path = btfPath.c_str();

  std::string op;
  LogCapture capture;
  bpf_object* obj = nullptr;
  if (info[0].IsString()) {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    op = "open object " + path;
    obj = bpf_object__open_file(path.c_str(), &opts);
  } else if (info[0].IsBuffer()) {
    auto buf = info[0].As<Napi::Buffer<char>>();
    core->image.assign(buf.Data(), buf.Data() + buf.Length());
    op = "open object " + core->name;
    obj = bpf_object__open_mem(core->image.data(), core->image.size(), &opts);
  } else {
    throw Napi::TypeError::New(env, "pathOrImage must be a string or a Buffer");
  }
  int err = errno;
  if (obj == nullptr) {
    ErrorInfo e;
    e.err = err != 0 ? err : EINVAL;
    e.op = op;
    e.object = core->name;
    e.log = std::move(capture.lines);
    Throw(env, e);
  }
  core->obj = obj;
  core->pendingLog = std::move(capture.lines);
  InstanceData* inst = Instance(env);
  core->registry = inst->registry;
  inst->registry->objects.insert(core.get());
  core_ = std::move(core);
}

bpf_object* ObjectHandle::RequireOpened(Napi::Env env, const char* op) {
  if (core_->state != ObjectState::Opened || core_->obj == nullptr) {
    ThrowErrno(env, EBUSY, std::string(op) + " " + core_->name,
               std::string("the object is ") + StateName(core_->state) + ", not opened");
  }
  return core_->obj;
}

Napi::Value ObjectHandle::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), core_->obj != nullptr ? bpf_object__name(core_->obj) : core_->name.c_str());
}

Napi::Value ObjectHandle::State(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), StateName(core_->state));
}

Napi::Value ObjectHandle::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (core_->obj == nullptr) ThrowErrno(env, EBADF, "list programs of " + core_->name, "the object is closed");
  if (core_->Busy()) ThrowErrno(env, EBUSY, "list programs of " + core_->name, "the object is loading");
  std::vector<Napi::Value> handles;
  bpf_program* prog;
  bpf_object__for_each_program(prog, core_->obj) handles.push_back(ProgramHandle::NewInstance(env, core_, prog));
  Napi::Array out = Napi::Array::New(env, handles.size());
  for (size_t i = 0; i < handles.size(); i++) out.Set(static_cast<uint32_t>(i), handles[i]);
  return out;
}

Napi::Value ObjectHandle::Maps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (core_->obj == nullptr) ThrowErrno(env, EBADF, "list maps of " + core_->name, "the object is closed");
  if (core_->Busy()) ThrowErrno(env, EBUSY, "list maps of " + core_->name, "the object is loading");
  std::vector<Napi::Value> handles;
  bpf_map* map;
  bpf_object__for_each_map(map, core_->obj) handles.push_back(MapHandle::NewInstance(env, core_, map));
  Napi::Array out = Napi::Array::New(env, handles.size());
  for (size_t i = 0; i < handles.size(); i++) out.Set(static_cast<uint32_t>(i), handles[i]);
  return out;
}

Napi::Value ObjectHandle::Globals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (core_->obj == nullptr) ThrowErrno(env, EBADF, "list globals of " + core_->name, "the object is closed");
  if (core_->Busy()) ThrowErrno(env, EBUSY, "list globals of " + core_->name, "the object is loading");
  std::vector<GlobalVar> vars = ReadOnlyGlobals(core_->obj);
  Napi::Array out = Napi::Array::New(env, vars.size());
  for (size_t i = 0; i < vars.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", vars[i].name);
    o.Set("size", vars[i].size);
    o.Set("offset", vars[i].offset);
    o.Set("section", vars[i].section);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// setGlobal(name: string, bytes: Buffer): bytes.length must equal the variable's size.
Napi::Value ObjectHandle::SetGlobal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  auto bytes = info[1].As<Napi::Buffer<uint8_t>>();
  std::string op = "set global " + name + " of " + core_->name;
  bpf_object* obj = RequireOpened(env, op.c_str());
  for (const GlobalVar& var : ReadOnlyGlobals(obj)) {
    if (var.name != name) continue;
    if (bytes.Length() != var.size) {
      ThrowErrno(env, EINVAL, op,
                 "value is " + std::to_string(bytes.Length()) + " bytes, the variable is " + std::to_string(var.size));
    }
    size_t size = 0;
    // Before load, libbpf's initial value of an internal map is its writable mmap image.
    void* data = const_cast<void*>(bpf_map__initial_value(var.map, &size));
    if (data == nullptr || static_cast<size_t>(var.offset) + var.size > size) {
      ThrowErrno(env, EINVAL, op, "section " + var.section + " has no initial value image");
    }
    memcpy(static_cast<char*>(data) + var.offset, bytes.Data(), var.size);
    return env.Undefined();
  }
  ErrorInfo e;
  e.err = ENOENT;
  e.op = op;
  e.detail = "no const volatile global named " + name;
  e.object = core_->name;
  Throw(env, e);
}

Napi::Value ObjectHandle::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpened(env, "load object");
  core_->state = ObjectState::Loading;
  auto* worker = new LoadWorker(env, core_);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value ObjectHandle::DrainLog(const Napi::CallbackInfo& info) {
  Napi::Array out = LogToJs(info.Env(), core_->pendingLog);
  core_->pendingLog.clear();
  return out;
}

Napi::Value ObjectHandle::Close(const Napi::CallbackInfo& info) {
  core_->Close();
  return info.Env().Undefined();
}

}  // namespace ebpfc
