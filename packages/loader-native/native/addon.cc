// Module entry: per-environment instance data, the wrapper classes, the probes,
// and the cleanup hook that closes every object JS did not close.
#include "btf_names.h"
#include "common.h"
#include "link.h"
#include "map.h"
#include "object.h"
#include "probes.h"
#include "program.h"

namespace ebpfc {

// privileges.cc
Napi::Value Capabilities(const Napi::CallbackInfo& info);
Napi::Value DropCapabilities(const Napi::CallbackInfo& info);
// sha256.cc, heap.cc
Napi::Value Sha256(const Napi::CallbackInfo& info);
Napi::Value TrimHeap(const Napi::CallbackInfo& info);

namespace {

void CloseEverything(Registry* registry) { registry->CloseAll(); }

/**
 * Runs a probe with libbpf's output captured: an object result gets the lines
 * as `log` (the TS side sends them to the feature logger); otherwise they are
 * dropped rather than printed on stderr.
 */
template <Napi::Value (*Probe)(const Napi::CallbackInfo&)>
Napi::Value Captured(const Napi::CallbackInfo& info) {
  LogCapture capture;
  Napi::Value result = Probe(info);
  if (result.IsObject() && !result.IsArray()) result.As<Napi::Object>().Set("log", LogToJs(info.Env(), capture.lines));
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  LogCapture::InstallPrintCallback();

  auto* data = new InstanceData();
  env.SetInstanceData(data);
  // Runs when the environment (main thread or a worker) shuts down, before
  // finalizers: links are detached and objects closed even if JS forgot.
  env.AddCleanupHook(CloseEverything, data->registry.get());

  Napi::Function object = ObjectHandle::Define(env);
  Napi::Function program = ProgramHandle::Define(env);
  Napi::Function map = MapHandle::Define(env);
  Napi::Function link = LinkHandle::Define(env);
  data->objectCtor = Napi::Persistent(object);
  data->programCtor = Napi::Persistent(program);
  data->mapCtor = Napi::Persistent(map);
  data->linkCtor = Napi::Persistent(link);

  exports.Set("ObjectHandle", object);
  exports.Set("ProgramHandle", program);
  exports.Set("MapHandle", map);
  exports.Set("LinkHandle", link);
  exports.Set("detachLinks", Napi::Function::New<LinkHandle::DetachMany>(env, "detachLinks"));
  exports.Set("probeBtf", Napi::Function::New<Captured<ProbeBtf>>(env, "probeBtf"));
  exports.Set("probeTracepoint", Napi::Function::New<Captured<ProbeTracepoint>>(env, "probeTracepoint"));
  exports.Set("probeRawTracepoint", Napi::Function::New<Captured<ProbeRawTracepoint>>(env, "probeRawTracepoint"));
  exports.Set("probeTpBtf", Napi::Function::New<Captured<ProbeTpBtf>>(env, "probeTpBtf"));
  exports.Set("probeFentry", Napi::Function::New<Captured<ProbeFentry>>(env, "probeFentry"));
  exports.Set("probeKprobe", Napi::Function::New<Captured<ProbeKprobe>>(env, "probeKprobe"));
  exports.Set("probeBatchOps", Napi::Function::New<Captured<ProbeBatchOps>>(env, "probeBatchOps"));
  exports.Set("probeMapType", Napi::Function::New<Captured<ProbeMapType>>(env, "probeMapType"));
  exports.Set("btfFunctions", Napi::Function::New<Captured<BtfFunctions>>(env, "btfFunctions"));
  exports.Set("btfFunctionNames", Napi::Function::New<Captured<BtfFunctionNames>>(env, "btfFunctionNames"));
  exports.Set("kallsymsFunctions", Napi::Function::New<Captured<KallsymsFunctions>>(env, "kallsymsFunctions"));
  exports.Set("mountTracefs", Napi::Function::New<MountTracefs>(env, "mountTracefs"));
  exports.Set("possibleCpus", Napi::Function::New<NumPossibleCpus>(env, "possibleCpus"));
  exports.Set("capabilities", Napi::Function::New<Capabilities>(env, "capabilities"));
  exports.Set("dropCapabilities", Napi::Function::New<DropCapabilities>(env, "dropCapabilities"));
  exports.Set("sha256", Napi::Function::New<Sha256>(env, "sha256"));
  exports.Set("trimHeap", Napi::Function::New<TrimHeap>(env, "trimHeap"));
  exports.Set("libbpfVersion",
              Napi::String::New(env, std::to_string(libbpf_major_version()) + "." + std::to_string(libbpf_minor_version())));
  return exports;
}

}  // namespace

}  // namespace ebpfc

// A worker terminated while it imports the addon: the environment refuses new
// JS values, every napi call fails and the Napi::Error that follows could not
// be rethrown as a JS exception (std::terminate). Then the half-built exports
// are returned; the worker is ending and nobody will use them.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  try {
    return ebpfc::Init(env, exports);
  } catch (const Napi::Error& error) {
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
      // A real failure in a live environment: let it reach JS as usual.
      if (napi_throw(env, error.Value()) == napi_ok) return exports;
    }
    return exports;
  }
}

NODE_API_MODULE(loader_native, InitModule)
