// MapHandle: the JS handle of one bpf_map. Before load it edits the map's
// definition; after load it reads and writes the kernel map synchronously.
#pragma once

#include "common.h"

namespace ebpfc {

class MapHandle : public Napi::ObjectWrap<MapHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Value NewInstance(Napi::Env env, const std::shared_ptr<ObjectCore>& core, bpf_map* map);
  explicit MapHandle(const Napi::CallbackInfo& info);

 private:
  // Definition (libbpf's view; before load it is editable).
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Definition(const Napi::CallbackInfo& info);
  Napi::Value SetType(const Napi::CallbackInfo& info);
  Napi::Value SetMaxEntries(const Napi::CallbackInfo& info);
  // Live map.
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value LookupPerCpu(const Napi::CallbackInfo& info);
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value Keys(const Napi::CallbackInfo& info);
  Napi::Value ReadAll(const Napi::CallbackInfo& info);
  Napi::Value ReadAllUnguarded(const Napi::CallbackInfo& info);
  Napi::Value ReadU64Array(const Napi::CallbackInfo& info);
  Napi::Value ReadU64ArrayUnguarded(const Napi::CallbackInfo& info);

  /** The live map's geometry, read once after load. */
  struct Live {
    int fd;
    uint32_t type;
    uint32_t keySize;
    uint32_t valueSize;
    uint32_t maxEntries;
    bool perCpu;
    int nCpus;
    /** Bytes per value as the kernel copies it: nCpus * roundUp8(valueSize) for per-CPU maps. */
    size_t kernelValueSize;
  };
  const Live& RequireLoaded(Napi::Env env, const char* op);
  bpf_map* RequireOpened(Napi::Env env, const char* op);
  void CheckKey(Napi::Env env, const Napi::Buffer<uint8_t>& key, const char* op);
  [[noreturn]] void Fail(Napi::Env env, int err, const std::string& op, const std::string& detail = "");

  std::shared_ptr<ObjectCore> core_;
  bpf_map* map_ = nullptr;
  std::string name_;
  bool live_valid_ = false;
  Live live_{};
};

}  // namespace ebpfc
