#include "map.h"

#include <cerrno>
#include <cstring>
#include <memory>

namespace ebpfc {

namespace {

/**
 * A read buffer that is not zero-filled (std::vector's is): the kernel writes
 * the entries it returns, so pages of a large buffer it does not reach are
 * never touched. resize() does not keep the contents.
 */
class ScratchBuffer {
 public:
  explicit ScratchBuffer(size_t size) : data_(new uint8_t[size ? size : 1]), size_(size) {}
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  void resize(size_t size) {
    data_.reset(new uint8_t[size ? size : 1]);
    size_ = size;
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_;
};

struct MapInit {
  std::shared_ptr<ObjectCore> core;
  bpf_map* map;
};

bool IsPerCpuType(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool IsArrayType(uint32_t type) { return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY; }

inline uint64_t LoadU64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

inline void StoreU64(uint8_t* p, uint64_t v) { memcpy(p, &v, sizeof v); }

/**
 * Sums one entry's per-CPU copies lane by lane. `src` holds nCpus copies
 * spaced roundUp8(valueSize) apart (the kernel's layout); `dst` gets valueSize bytes.
 */
void SumPerCpu(const uint8_t* src, uint8_t* dst, uint32_t valueSize, int nCpus) {
  const uint32_t stride = RoundUp8(valueSize);
  const uint32_t lanes = valueSize / 8;
  for (uint32_t lane = 0; lane < lanes; lane++) {
    uint64_t sum = 0;
    const uint8_t* p = src + lane * 8;
    for (int cpu = 0; cpu < nCpus; cpu++, p += stride) sum += LoadU64(p);
    StoreU64(dst + lane * 8, sum);
  }
}

/** Output of a whole-map read before it becomes two Buffers. */
struct Dump {
  std::vector<uint8_t> keys;
  std::vector<uint8_t> values;
  size_t count = 0;
};

bool BatchUnsupported(int err) { return err == EINVAL || err == kENOTSUPP || err == EOPNOTSUPP || err == ENOSYS; }

}  // namespace

Napi::Function MapHandle::Define(Napi::Env env) {
  return DefineClass(env, "MapHandle",
                     {
                         InstanceMethod<&MapHandle::Name>("name"),
                         InstanceMethod<&MapHandle::Definition>("definition"),
                         InstanceMethod<&MapHandle::SetType>("setType"),
                         InstanceMethod<&MapHandle::SetMaxEntries>("setMaxEntries"),
                         InstanceMethod<&MapHandle::Info>("info"),
                         InstanceMethod<&MapHandle::Fd>("fd"),
                         InstanceMethod<&MapHandle::Lookup>("lookup"),
                         InstanceMethod<&MapHandle::LookupPerCpu>("lookupPerCpu"),
                         InstanceMethod<&MapHandle::Update>("update"),
                         InstanceMethod<&MapHandle::Delete>("delete"),
                         InstanceMethod<&MapHandle::Keys>("keys"),
                         InstanceMethod<&MapHandle::ReadAll>("readAll"),
                         InstanceMethod<&MapHandle::ReadU64Array>("readU64Array"),
                     });
}

Napi::Value MapHandle::NewInstance(Napi::Env env, const std::shared_ptr<ObjectCore>& core, bpf_map* map) {
  MapInit init{core, map};
  return Instance(env)->mapCtor.New({Napi::External<MapInit>::New(env, &init)});
}

MapHandle::MapHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MapHandle>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "MapHandle is created by ObjectHandle.maps()");
  }
  MapInit* init = info[0].As<Napi::External<MapInit>>().Data();
  core_ = init->core;
  map_ = init->map;
  name_ = bpf_map__name(map_);
}

void MapHandle::Fail(Napi::Env env, int err, const std::string& op, const std::string& detail) {
  ErrorInfo e;
  e.err = err;
  e.op = op;
  e.detail = detail;
  e.object = core_->name;
  e.map = name_;
  Throw(env, e);
}

bpf_map* MapHandle::RequireOpened(Napi::Env env, const char* op) {
  if (core_->state != ObjectState::Opened || core_->obj == nullptr) {
    Fail(env, EBUSY, std::string(op) + " of map " + name_, "only possible before load");
  }
  return map_;
}

const MapHandle::Live& MapHandle::RequireLoaded(Napi::Env env, const char* op) {
  if (core_->state != ObjectState::Loaded || core_->obj == nullptr) {
    bool closed = core_->state == ObjectState::Closed;
    Fail(env, closed ? EBADF : EBUSY, std::string(op) + " map " + name_,
         closed ? "the object is closed" : "the object is not loaded");
  }
  if (!live_valid_) {
    int fd = bpf_map__fd(map_);
    if (fd < 0) Fail(env, ENOENT, std::string(op) + " map " + name_, "the map was not created");
    // The kernel's answer, not libbpf's definition: it is what the map really is.
    struct bpf_map_info mi;
    memset(&mi, 0, sizeof mi);
    uint32_t len = sizeof mi;
    if (bpf_obj_get_info_by_fd(fd, &mi, &len) != 0) Fail(env, errno, "get info of map " + name_);
    live_.fd = fd;
    live_.type = mi.type;
    live_.keySize = mi.key_size;
    live_.valueSize = mi.value_size;
    live_.maxEntries = mi.max_entries;
    live_.perCpu = IsPerCpuType(mi.type);
    live_.nCpus = PossibleCpus();
    if (live_.nCpus <= 0) Fail(env, -live_.nCpus, "count possible CPUs");
    live_.kernelValueSize =
        live_.perCpu ? static_cast<size_t>(live_.nCpus) * RoundUp8(mi.value_size) : static_cast<size_t>(mi.value_size);
    live_valid_ = true;
  }
  return live_;
}

void MapHandle::CheckKey(Napi::Env env, const Napi::Buffer<uint8_t>& key, const char* op) {
  if (key.Length() != live_.keySize) {
    Fail(env, EINVAL, std::string(op) + " map " + name_,
         "key is " + std::to_string(key.Length()) + " bytes, the map's keys are " + std::to_string(live_.keySize));
  }
}

Napi::Value MapHandle::Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }

Napi::Value MapHandle::Definition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (core_->obj == nullptr) Fail(env, EBADF, "read definition of map " + name_, "the object is closed");
  if (core_->Busy()) Fail(env, EBUSY, "read definition of map " + name_, "the object is loading");
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, bpf_map__type(map_)));
  o.Set("keySize", Napi::Number::New(env, bpf_map__key_size(map_)));
  o.Set("valueSize", Napi::Number::New(env, bpf_map__value_size(map_)));
  o.Set("maxEntries", Napi::Number::New(env, bpf_map__max_entries(map_)));
  o.Set("internal", Napi::Boolean::New(env, bpf_map__is_internal(map_)));
  return o;
}

Napi::Value MapHandle::SetType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t type = info[0].As<Napi::Number>().Uint32Value();
  bpf_map* map = RequireOpened(env, "set type");
  int r = bpf_map__set_type(map, static_cast<enum bpf_map_type>(type));
  if (r < 0) Fail(env, -r, "set type of map " + name_);
  return env.Undefined();
}

Napi::Value MapHandle::SetMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t n = info[0].As<Napi::Number>().Uint32Value();
  bpf_map* map = RequireOpened(env, "set max entries");
  int r = bpf_map__set_max_entries(map, n);
  if (r < 0) Fail(env, -r, "set max entries of map " + name_);
  return env.Undefined();
}

Napi::Value MapHandle::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "get info of");
  struct bpf_map_info mi;
  memset(&mi, 0, sizeof mi);
  uint32_t len = sizeof mi;
  if (bpf_obj_get_info_by_fd(live.fd, &mi, &len) != 0) Fail(env, errno, "get info of map " + name_);
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", Napi::Number::New(env, mi.id));
  o.Set("type", Napi::Number::New(env, mi.type));
  o.Set("keySize", Napi::Number::New(env, mi.key_size));
  o.Set("valueSize", Napi::Number::New(env, mi.value_size));
  o.Set("maxEntries", Napi::Number::New(env, mi.max_entries));
  o.Set("flags", Napi::Number::New(env, mi.map_flags));
  o.Set("nCpus", Napi::Number::New(env, live.nCpus));
  return o;
}

Napi::Value MapHandle::Fd(const Napi::CallbackInfo& info) {
  if (core_->obj == nullptr || core_->state != ObjectState::Loaded) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), bpf_map__fd(map_));
}

Napi::Value MapHandle::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "lookup in");
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  CheckKey(env, key, "lookup in");
  if (live.perCpu && live.valueSize % 8 != 0) {
    Fail(env, EINVAL, "lookup in map " + name_,
         "per-CPU values are summed in u64 lanes, but the value is " + std::to_string(live.valueSize) +
             " bytes; use lookupPerCpu");
  }
  std::vector<uint8_t> raw(live.kernelValueSize);
  if (bpf_map_lookup_elem(live.fd, key.Data(), raw.data()) != 0) {
    int err = errno;
    if (err == ENOENT) return env.Undefined();
    Fail(env, err, "lookup in map " + name_);
  }
  if (!live.perCpu) return Napi::Buffer<uint8_t>::Copy(env, raw.data(), raw.size());
  auto out = Napi::Buffer<uint8_t>::New(env, live.valueSize);
  SumPerCpu(raw.data(), out.Data(), live.valueSize, live.nCpus);
  return out;
}

Napi::Value MapHandle::LookupPerCpu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "lookup in");
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  CheckKey(env, key, "lookup in");
  if (!live.perCpu) Fail(env, EINVAL, "per-CPU lookup in map " + name_, "the map is not per-CPU");
  auto out = Napi::Buffer<uint8_t>::New(env, live.kernelValueSize);
  if (bpf_map_lookup_elem(live.fd, key.Data(), out.Data()) != 0) {
    int err = errno;
    if (err == ENOENT) return env.Undefined();
    Fail(env, err, "lookup in map " + name_);
  }
  return out;
}

// update(key, value, flags: 0 any | 1 noexist | 2 exist)
Napi::Value MapHandle::Update(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "update");
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  auto value = info[1].As<Napi::Buffer<uint8_t>>();
  uint64_t flags = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : 0u;  // BPF_ANY
  CheckKey(env, key, "update");
  const uint8_t* data = value.Data();
  std::vector<uint8_t> spread;
  if (live.perCpu) {
    if (value.Length() == live.valueSize) {
      // One value for every CPU, in the kernel's per-CPU layout.
      uint32_t stride = RoundUp8(live.valueSize);
      spread.assign(live.kernelValueSize, 0);
      for (int cpu = 0; cpu < live.nCpus; cpu++) memcpy(spread.data() + cpu * stride, data, live.valueSize);
      data = spread.data();
    } else if (value.Length() != live.kernelValueSize) {
      Fail(env, EINVAL, "update map " + name_,
           "value is " + std::to_string(value.Length()) + " bytes; expected " + std::to_string(live.valueSize) +
               " or nCpus * roundUp8(valueSize) = " + std::to_string(live.kernelValueSize));
    }
  } else if (value.Length() != live.valueSize) {
    Fail(env, EINVAL, "update map " + name_,
         "value is " + std::to_string(value.Length()) + " bytes, the map's values are " +
             std::to_string(live.valueSize));
  }
  if (bpf_map_update_elem(live.fd, key.Data(), data, flags) != 0) Fail(env, errno, "update map " + name_);
  return env.Undefined();
}

Napi::Value MapHandle::Delete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "delete from");
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  CheckKey(env, key, "delete from");
  if (bpf_map_delete_elem(live.fd, key.Data()) != 0) {
    int err = errno;
    if (err == ENOENT) return Napi::Boolean::New(env, false);
    Fail(env, err, "delete from map " + name_);
  }
  return Napi::Boolean::New(env, true);
}

namespace {

/** get_next_key until the end, capped at maxEntries (a concurrent delete makes the kernel restart from the first key). */
int CollectKeys(int fd, uint32_t keySize, uint32_t maxEntries, std::vector<uint8_t>* keys, size_t* count) {
  std::vector<uint8_t> next(keySize);
  const uint8_t* prev = nullptr;
  *count = 0;
  while (*count < maxEntries) {
    if (bpf_map_get_next_key(fd, prev, next.data()) != 0) {
      int err = errno;
      return err == ENOENT ? 0 : err;
    }
    keys->insert(keys->end(), next.begin(), next.end());
    prev = keys->data() + *count * keySize;
    (*count)++;
  }
  return 0;
}

}  // namespace

Napi::Value MapHandle::Keys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "list keys of");
  std::vector<uint8_t> keys;
  size_t count = 0;
  int err = CollectKeys(live.fd, live.keySize, live.maxEntries, &keys, &count);
  if (err != 0) Fail(env, err, "list keys of map " + name_);
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", Napi::Number::New(env, static_cast<double>(count)));
  o.Set("keys", Napi::Buffer<uint8_t>::Copy(env, keys.data(), keys.size()));
  return o;
}

namespace {

/** Runs a read whose buffers follow the map's size: an allocation that fails is a JS RangeError, never std::bad_alloc out of the addon (SIGABRT). */
template <typename F>
Napi::Value GuardAllocation(Napi::Env env, const std::string& op, F&& read) {
  try {
    return read();
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, op + ": cannot allocate buffers for the map's entries (out of memory)");
  } catch (const std::length_error&) {
    throw Napi::RangeError::New(env, op + ": the map's entries exceed what one buffer can hold");
  }
}

}  // namespace

Napi::Value MapHandle::ReadAll(const Napi::CallbackInfo& info) {
  return GuardAllocation(info.Env(), "read map " + name_, [&] { return ReadAllUnguarded(info); });
}

Napi::Value MapHandle::ReadU64Array(const Napi::CallbackInfo& info) {
  return GuardAllocation(info.Env(), "read map " + name_, [&] { return ReadU64ArrayUnguarded(info); });
}

// readAll(rawPerCpu: boolean, method: 'auto'|'batch'|'iterate', batchSize: number, andDelete: boolean)
//   -> { count, keys: Buffer, values: Buffer, method: 'batch'|'iterate' }
// A batch never holds more than the map's max_entries: a larger batchSize is cut to it, so every
// buffer is bounded by the map's real size whatever the caller (or the raw handle) asks.
Napi::Value MapHandle::ReadAllUnguarded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "read");
  const bool raw = info[0].ToBoolean().Value();
  const std::string method = info[1].As<Napi::String>().Utf8Value();
  uint32_t batchSize = info[2].As<Napi::Number>().Uint32Value();
  const bool andDelete = info[3].ToBoolean().Value();
  const std::string op = std::string(andDelete ? "read and delete" : "read") + " map " + name_;

  if (batchSize == 0) batchSize = 4096;
  if (live.maxEntries > 0 && batchSize > live.maxEntries) batchSize = live.maxEntries;
  const bool sum = live.perCpu && !raw;
  if (sum && live.valueSize % 8 != 0) {
    Fail(env, EINVAL, op, "per-CPU sums need a value size multiple of 8, got " + std::to_string(live.valueSize));
  }
  if (andDelete && IsArrayType(live.type)) Fail(env, EINVAL, op, "array maps cannot delete entries");

  const size_t outValueSize = sum ? live.valueSize : live.kernelValueSize;
  Dump dump;
  std::string used = "batch";

  auto append = [&](const uint8_t* keys, const uint8_t* values, size_t n) {
    dump.keys.insert(dump.keys.end(), keys, keys + n * live.keySize);
    size_t at = dump.values.size();
    dump.values.resize(at + n * outValueSize);
    if (sum) {
      for (size_t i = 0; i < n; i++)
        SumPerCpu(values + i * live.kernelValueSize, dump.values.data() + at + i * outValueSize, live.valueSize,
                  live.nCpus);
    } else {
      memcpy(dump.values.data() + at, values, n * outValueSize);
    }
    dump.count += n;
  };

  bool iterate = method == "iterate";
  if (!iterate) {
    // Batch tokens are opaque: a u32 bucket for hashes, a key for arrays.
    const size_t tokenSize = live.keySize > 8 ? live.keySize : 8;
    std::vector<uint8_t> inToken(tokenSize), outToken(tokenSize);
    // Not zero-filled: the kernel writes what it returns, and untouched pages of a large
    // buffer (malloc maps those) then cost nothing.
    ScratchBuffer keys(static_cast<size_t>(batchSize) * live.keySize);
    ScratchBuffer values(static_cast<size_t>(batchSize) * live.kernelValueSize);
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    bool first = true;
    for (;;) {
      uint32_t n = batchSize;
      int r = andDelete ? bpf_map_lookup_and_delete_batch(live.fd, first ? nullptr : inToken.data(), outToken.data(),
                                                          keys.data(), values.data(), &n, &opts)
                        : bpf_map_lookup_batch(live.fd, first ? nullptr : inToken.data(), outToken.data(), keys.data(),
                                               values.data(), &n, &opts);
      int err = r < 0 ? errno : 0;
      if (err != 0 && err != ENOENT) {
        if (err == ENOSPC && n == 0 && batchSize < live.maxEntries) {
          // One hash bucket holds more entries than a batch: grow and retry.
          batchSize = batchSize > live.maxEntries / 2 ? live.maxEntries : batchSize * 2;
          keys.resize(static_cast<size_t>(batchSize) * live.keySize);
          values.resize(static_cast<size_t>(batchSize) * live.kernelValueSize);
          continue;
        }
        if (first && dump.count == 0 && method == "auto" && BatchUnsupported(err)) {
          iterate = true;
          break;
        }
        Fail(env, err, op, "BPF_MAP_LOOKUP_" + std::string(andDelete ? "AND_DELETE_" : "") + "BATCH");
      }
      append(keys.data(), values.data(), n);
      if (err == ENOENT) break;
      inToken.swap(outToken);
      first = false;
    }
  }

  if (iterate) {
    used = "iterate";
    std::vector<uint8_t> keys;
    size_t count = 0;
    int err = CollectKeys(live.fd, live.keySize, live.maxEntries, &keys, &count);
    if (err != 0) Fail(env, err, op, "BPF_MAP_GET_NEXT_KEY");
    std::vector<uint8_t> value(live.kernelValueSize);
    for (size_t i = 0; i < count; i++) {
      const uint8_t* key = keys.data() + i * live.keySize;
      if (bpf_map_lookup_elem(live.fd, key, value.data()) != 0) {
        int e = errno;
        if (e == ENOENT) continue;  // deleted since we listed it
        Fail(env, e, op, "BPF_MAP_LOOKUP_ELEM");
      }
      if (andDelete && bpf_map_delete_elem(live.fd, key) != 0 && errno != ENOENT) {
        Fail(env, errno, op, "BPF_MAP_DELETE_ELEM");
      }
      append(key, value.data(), 1);
    }
  }

  Napi::Object o = Napi::Object::New(env);
  o.Set("count", Napi::Number::New(env, static_cast<double>(dump.count)));
  o.Set("keys", Napi::Buffer<uint8_t>::Copy(env, dump.keys.data(), dump.keys.size()));
  o.Set("values", Napi::Buffer<uint8_t>::Copy(env, dump.values.data(), dump.values.size()));
  o.Set("method", Napi::String::New(env, used));
  return o;
}

Napi::Value MapHandle::ReadU64ArrayUnguarded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Live& live = RequireLoaded(env, "read u64 array of");
  const std::string op = "read u64 array of map " + name_;
  if (!IsArrayType(live.type)) Fail(env, EINVAL, op, "only array and percpu_array maps");
  if (live.valueSize % 8 != 0) {
    Fail(env, EINVAL, op, "the value is " + std::to_string(live.valueSize) + " bytes, not a multiple of 8");
  }
  const uint32_t lanes = live.valueSize / 8;
  const size_t total = static_cast<size_t>(live.maxEntries) * lanes;
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, total * 8);
  uint8_t* out = static_cast<uint8_t*>(buffer.Data());

  // One syscall for the whole array when the kernel has batch ops.
  ScratchBuffer keys(static_cast<size_t>(live.maxEntries) * live.keySize);
  ScratchBuffer values(static_cast<size_t>(live.maxEntries) * live.kernelValueSize);
  uint8_t outToken[8];
  uint32_t n = live.maxEntries;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  int r = bpf_map_lookup_batch(live.fd, nullptr, outToken, keys.data(), values.data(), &n, &opts);
  int err = r < 0 ? errno : 0;
  if ((err == 0 || err == ENOENT) && n == live.maxEntries) {
    for (uint32_t i = 0; i < n; i++) {
      uint32_t index;
      memcpy(&index, keys.data() + static_cast<size_t>(i) * live.keySize, sizeof index);
      if (index >= live.maxEntries) continue;
      const uint8_t* v = values.data() + static_cast<size_t>(i) * live.kernelValueSize;
      if (live.perCpu) {
        SumPerCpu(v, out + static_cast<size_t>(index) * live.valueSize, live.valueSize, live.nCpus);
      } else {
        memcpy(out + static_cast<size_t>(index) * live.valueSize, v, live.valueSize);
      }
    }
  } else {
    if (err != 0 && err != ENOENT && !BatchUnsupported(err)) Fail(env, err, op, "BPF_MAP_LOOKUP_BATCH");
    std::vector<uint8_t> value(live.kernelValueSize);
    for (uint32_t index = 0; index < live.maxEntries; index++) {
      if (bpf_map_lookup_elem(live.fd, &index, value.data()) != 0) Fail(env, errno, op, "BPF_MAP_LOOKUP_ELEM");
      if (live.perCpu) {
        SumPerCpu(value.data(), out + static_cast<size_t>(index) * live.valueSize, live.valueSize, live.nCpus);
      } else {
        memcpy(out + static_cast<size_t>(index) * live.valueSize, value.data(), live.valueSize);
      }
    }
  }
  return Napi::BigUint64Array::New(env, total, buffer, 0);
}

}  // namespace ebpfc
