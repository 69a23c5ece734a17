// Kernel feature probes. Each one makes the real kernel call the feature
// needs (a program load, an attach, a map operation) with a two-instruction
// program, so no object file is involved and nothing stays behind.
#include "probes.h"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

namespace ebpfc {

namespace {

/** Closes an fd on scope exit. */
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

struct BtfPtr {
  struct btf* btf = nullptr;
  ~BtfPtr() { btf__free(btf); }
};

std::string ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case E2BIG: return "E2BIG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case kENOTSUPP: return "ENOTSUPP";
    case ESRCH: return "ESRCH";
    case EBUSY: return "EBUSY";
    case ENODEV: return "ENODEV";
    case EFAULT: return "EFAULT";
    case ENOSPC: return "ENOSPC";
    default: return "errno " + std::to_string(err);
  }
}

std::string Describe(int err) {
  if (err == kENOTSUPP) return "ENOTSUPP (operation not supported)";
  return ErrnoName(err) + " (" + strerror(err) + ")";
}

Napi::Value Result(Napi::Env env, bool ok, const std::string& reason = "") {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", Napi::Boolean::New(env, ok));
  if (!ok) o.Set("reason", Napi::String::New(env, reason));
  return o;
}

const struct bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

int LoadProbe(enum bpf_prog_type type, struct bpf_prog_load_opts* opts, std::string* log) {
  static const size_t kLogSize = 4096;
  std::string buf(kLogSize, '\0');
  opts->log_buf = buf.data();
  opts->log_size = kLogSize;
  opts->log_level = 0;
  int fd = bpf_prog_load(type, "ebpfc_probe", "GPL", kReturnZero, 2, opts);
  if (fd < 0) {
    int err = errno;
    // Ask again with a log to explain the failure.
    opts->log_level = 1;
    int again = bpf_prog_load(type, "ebpfc_probe", "GPL", kReturnZero, 2, opts);
    if (again >= 0) close(again);
    buf.resize(strnlen(buf.c_str(), kLogSize));
    while (!buf.empty() && buf.back() == '\n') buf.pop_back();
    *log = buf;
    errno = err;
  }
  return fd;
}

int PerfEventOpen(struct perf_event_attr* attr) {
  return static_cast<int>(syscall(__NR_perf_event_open, attr, -1 /* pid: all */, 0 /* cpu */, -1, PERF_FLAG_FD_CLOEXEC));
}

bool ReadNumber(const std::string& path, long* out) {
  std::ifstream in(path);
  long v;
  if (!(in >> v)) return false;
  *out = v;
  return true;
}

/** Attaches `progFd` to the perf event `perfFd` the way pre-link kernels do. */
int AttachToPerfEvent(int perfFd, int progFd) {
  if (ioctl(perfFd, PERF_EVENT_IOC_SET_BPF, progFd) < 0) return -errno;
  if (ioctl(perfFd, PERF_EVENT_IOC_ENABLE, 0) < 0) return -errno;
  return 0;
}

std::string WithLog(const std::string& text, const std::string& log) {
  if (log.empty()) return text;
  return text + " (verifier: " + log.substr(0, 300) + ")";
}

}  // namespace

Napi::Value ProbeBtf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value()
                                                             : "/sys/kernel/btf/vmlinux";
  if (!PathExists(path)) return Result(env, false, "no BTF at " + path + " (kernel built without CONFIG_DEBUG_INFO_BTF?)");
  BtfPtr btf;
  btf.btf = btf__parse(path.c_str(), nullptr);
  if (btf.btf == nullptr) return Result(env, false, "cannot parse BTF at " + path + ": " + Describe(errno));
  if (btf__type_cnt(btf.btf) < 2) return Result(env, false, "BTF at " + path + " has no types");
  return Result(env, true);
}

Napi::Value ProbeTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string root = TracefsRoot();
  if (root.empty()) return Result(env, false, "tracefs not mounted at /sys/kernel/tracing");
  long id = -1;
  if (!ReadNumber(root + "/events/syscalls/sys_enter_getpid/id", &id) &&
      !ReadNumber(root + "/events/sched/sched_process_fork/id", &id)) {
    return Result(env, false, "no syscalls/sys_enter_getpid or sched/sched_process_fork tracepoint in " + root);
  }
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  std::string log;
  Fd prog(LoadProbe(BPF_PROG_TYPE_TRACEPOINT, &opts, &log));
  if (prog.fd < 0) return Result(env, false, WithLog("tracepoint program load failed with " + Describe(errno), log));
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof attr;
  attr.config = static_cast<uint64_t>(id);
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  Fd perf(PerfEventOpen(&attr));
  if (perf.fd < 0) return Result(env, false, "perf_event_open of a tracepoint failed with " + Describe(errno));
  int r = AttachToPerfEvent(perf.fd, prog.fd);
  if (r < 0) return Result(env, false, "attaching a program to a tracepoint failed with " + Describe(-r));
  return Result(env, true);
}

Napi::Value ProbeRawTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  std::string log;
  Fd prog(LoadProbe(BPF_PROG_TYPE_RAW_TRACEPOINT, &opts, &log));
  if (prog.fd < 0) return Result(env, false, WithLog("raw_tracepoint program load failed with " + Describe(errno), log));
  Fd link(bpf_raw_tracepoint_open("sched_process_fork", prog.fd));
  if (link.fd < 0) return Result(env, false, "raw tracepoint attach failed with " + Describe(errno));
  return Result(env, true);
}

Napi::Value ProbeTpBtf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BtfPtr vmlinux;
  vmlinux.btf = btf__load_vmlinux_btf();
  if (vmlinux.btf == nullptr) return Result(env, false, "tp_btf needs kernel BTF, which is missing: " + Describe(errno));
  int id = btf__find_by_name_kind(vmlinux.btf, "btf_trace_sched_process_fork", BTF_KIND_TYPEDEF);
  if (id < 0) return Result(env, false, "kernel BTF has no btf_trace_sched_process_fork");
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  opts.expected_attach_type = BPF_TRACE_RAW_TP;
  opts.attach_btf_id = static_cast<uint32_t>(id);
  std::string log;
  Fd prog(LoadProbe(BPF_PROG_TYPE_TRACING, &opts, &log));
  if (prog.fd < 0) return Result(env, false, WithLog("tp_btf program load failed with " + Describe(errno), log));
  Fd link(bpf_raw_tracepoint_open(nullptr, prog.fd));
  if (link.fd < 0) return Result(env, false, "tp_btf attach failed with " + Describe(errno));
  return Result(env, true);
}

Napi::Value ProbeFentry(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BtfPtr vmlinux;
  vmlinux.btf = btf__load_vmlinux_btf();
  if (vmlinux.btf == nullptr) return Result(env, false, "fentry needs kernel BTF, which is missing: " + Describe(errno));
  const char* target = nullptr;
  int id = -1;
  for (const char* candidate : {"vfs_read", "ksys_read", "do_sys_openat2"}) {
    id = btf__find_by_name_kind(vmlinux.btf, candidate, BTF_KIND_FUNC);
    if (id > 0) {
      target = candidate;
      break;
    }
  }
  if (target == nullptr) return Result(env, false, "fentry: kernel BTF has none of vfs_read, ksys_read, do_sys_openat2");
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  opts.expected_attach_type = BPF_TRACE_FENTRY;
  opts.attach_btf_id = static_cast<uint32_t>(id);
  std::string log;
  Fd prog(LoadProbe(BPF_PROG_TYPE_TRACING, &opts, &log));
  if (prog.fd < 0) {
    int err = errno;
    std::string why = err == EPERM || err == kENOTSUPP || err == EOPNOTSUPP ? ": trampolines are not usable on this kernel"
                                                                            : "";
    return Result(env, false, WithLog("fentry/fexit: load failed with " + ErrnoName(err) + why + " (target " + target + ")", log));
  }
  Fd link(bpf_raw_tracepoint_open(nullptr, prog.fd));
  if (link.fd < 0) {
    return Result(env, false, "fentry/fexit: attach to " + std::string(target) + " failed with " + Describe(errno) +
                                  ": trampolines are not usable on this kernel");
  }
  return Result(env, true);
}

Napi::Value ProbeKprobe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string reason;
  if (!KprobesAvailable(&reason)) return Result(env, false, reason);
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  std::string log;
  Fd prog(LoadProbe(BPF_PROG_TYPE_KPROBE, &opts, &log));
  if (prog.fd < 0) return Result(env, false, WithLog("kprobe program load failed with " + Describe(errno), log));

  static const char kTarget[] = "vfs_read";
  long pmuType = -1;
  if (ReadNumber("/sys/bus/event_source/devices/kprobe/type", &pmuType)) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = static_cast<uint32_t>(pmuType);
    attr.size = sizeof attr;
    attr.config1 = reinterpret_cast<uint64_t>(kTarget);  // kprobe_func
    attr.config2 = 0;                                    // probe_offset
    Fd perf(PerfEventOpen(&attr));
    if (perf.fd < 0) return Result(env, false, std::string("kprobe on ") + kTarget + " failed with " + Describe(errno));
    int r = AttachToPerfEvent(perf.fd, prog.fd);
    if (r < 0) return Result(env, false, "attaching a program to a kprobe failed with " + Describe(-r));
    return Result(env, true);
  }

  // No PMU: the legacy interface, a named probe in kprobe_events.
  std::string root = TracefsRoot();
  std::string event = "ebpfc_probe_" + std::to_string(getpid());
  std::string events = root + "/kprobe_events";
  {
    std::ofstream out(events, std::ios::app);
    out << "p:kprobes/" << event << " " << kTarget << "\n";
    out.flush();
    if (!out) return Result(env, false, "cannot add a kprobe through " + events + ": " + Describe(errno));
  }
  long id = -1;
  bool ok = ReadNumber(root + "/events/kprobes/" + event + "/id", &id);
  std::string result;
  if (ok) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.size = sizeof attr;
    attr.config = static_cast<uint64_t>(id);
    attr.sample_period = 1;
    Fd perf(PerfEventOpen(&attr));
    if (perf.fd < 0) {
      result = "perf_event_open of a legacy kprobe failed with " + Describe(errno);
    } else {
      int r = AttachToPerfEvent(perf.fd, prog.fd);
      if (r < 0) result = "attaching a program to a legacy kprobe failed with " + Describe(-r);
    }
  } else {
    result = "legacy kprobe " + event + " has no id";
  }
  {
    std::ofstream out(events, std::ios::app);
    out << "-:kprobes/" << event << "\n";
  }
  return result.empty() ? Result(env, true) : Result(env, false, result);
}

Napi::Value ProbeBatchOps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Fd map(bpf_map_create(BPF_MAP_TYPE_HASH, "ebpfc_probe", 4, 8, 16, nullptr));
  if (map.fd < 0) throw MakeError(env, ErrorInfo{errno, "probe batch ops: create a hash map"});
  uint32_t key = 1;
  uint64_t value = 42;
  if (bpf_map_update_elem(map.fd, &key, &value, BPF_ANY) != 0) {
    throw MakeError(env, ErrorInfo{errno, "probe batch ops: update a hash map"});
  }
  uint32_t keys[16];
  uint64_t values[16];
  uint32_t token = 0;
  uint32_t count = 16;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  int r = bpf_map_lookup_batch(map.fd, nullptr, &token, keys, values, &count, &opts);
  if (r < 0 && errno != ENOENT) return Result(env, false, "BPF_MAP_LOOKUP_BATCH failed with " + Describe(errno));
  if (count != 1 || keys[0] != 1 || values[0] != 42) {
    return Result(env, false, "BPF_MAP_LOOKUP_BATCH returned " + std::to_string(count) + " entries instead of 1");
  }
  return Result(env, true);
}

Napi::Value ProbeMapType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t type = info[0].As<Napi::Number>().Uint32Value();
  // libbpf names every type it can probe; anything else is a caller's mistake, not "not supported".
  if (libbpf_bpf_map_type_str(static_cast<enum bpf_map_type>(type)) == nullptr) {
    throw Napi::RangeError::New(env, "probe map type " + std::to_string(type) + ": not a map type this libbpf (" +
                                         std::to_string(libbpf_major_version()) + "." +
                                         std::to_string(libbpf_minor_version()) + ") knows");
  }
  int r = libbpf_probe_bpf_map_type(static_cast<enum bpf_map_type>(type), nullptr);
  if (r < 0) throw MakeError(env, ErrorInfo{-r, "probe map type " + std::to_string(type)});
  if (r == 0) return Result(env, false, "the kernel rejected a map of type " + std::to_string(type));
  return Result(env, true);
}

// btfFunctions(path: string | undefined, names: string[]) -> boolean[] | null (no BTF)
Napi::Value BtfFunctions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BtfPtr btf;
  if (info[0].IsString()) {
    btf.btf = btf__parse(info[0].As<Napi::String>().Utf8Value().c_str(), nullptr);
  } else {
    btf.btf = btf__load_vmlinux_btf();
  }
  if (btf.btf == nullptr) return env.Null();
  Napi::Array names = info[1].As<Napi::Array>();
  // One pass over all FUNC types instead of a linear search per name.
  std::unordered_map<std::string, uint32_t> wanted;
  for (uint32_t i = 0; i < names.Length(); i++) wanted.emplace(names.Get(i).As<Napi::String>().Utf8Value(), i);
  Napi::Array out = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) out.Set(i, Napi::Boolean::New(env, false));
  uint32_t n = btf__type_cnt(btf.btf);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(btf.btf, id);
    if (!btf_is_func(t)) continue;
    auto it = wanted.find(btf__name_by_offset(btf.btf, t->name_off));
    if (it != wanted.end()) out.Set(it->second, Napi::Boolean::New(env, true));
  }
  return out;
}

// kallsymsFunctions(names: string[]) -> boolean[]
Napi::Value KallsymsFunctions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array names = info[0].As<Napi::Array>();
  std::unordered_map<std::string, uint32_t> wanted;
  for (uint32_t i = 0; i < names.Length(); i++) wanted.emplace(names.Get(i).As<Napi::String>().Utf8Value(), i);
  Napi::Array out = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) out.Set(i, Napi::Boolean::New(env, false));
  std::ifstream in("/proc/kallsyms");
  if (!in) throw MakeError(env, ErrorInfo{errno, "read /proc/kallsyms"});
  std::string line;
  while (std::getline(in, line)) {
    // "<addr> <type> <name>[\t[module]]"
    size_t sp = line.find(' ', line.find(' ') + 1);
    if (sp == std::string::npos) continue;
    size_t end = line.find('\t', sp + 1);
    auto it = wanted.find(line.substr(sp + 1, end == std::string::npos ? std::string::npos : end - sp - 1));
    if (it != wanted.end()) out.Set(it->second, Napi::Boolean::New(env, true));
  }
  return out;
}

// mountTracefs() -> 'already-mounted' | 'mounted'
Napi::Value MountTracefs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const char kPath[] = "/sys/kernel/tracing";
  if (PathExists(std::string(kPath) + "/events")) return Napi::String::New(env, "already-mounted");
  if (!PathExists(kPath)) {
    ThrowErrno(env, ENOENT, "mount tracefs at /sys/kernel/tracing",
               "the directory does not exist (kernel without CONFIG_TRACING, or sysfs not mounted)");
  }
  if (mount("nodev", kPath, "tracefs", 0, nullptr) != 0) {
    int err = errno;
    ThrowErrno(env, err, "mount tracefs at /sys/kernel/tracing",
               err == EPERM ? "needs root (CAP_SYS_ADMIN in the initial mount namespace)" : "");
  }
  return Napi::String::New(env, "mounted");
}

Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  int n = PossibleCpus();
  if (n <= 0) ThrowErrno(info.Env(), -n, "count possible CPUs");
  return Napi::Number::New(info.Env(), n);
}

}  // namespace ebpfc
