// Shared state of the addon: the per-environment instance data, the cores
// that own libbpf handles, and the error/log plumbing every wrapper uses.
#pragma once

#include <napi.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace ebpfc {

/** Kernel-internal "operation not supported" (524); bpf() lets it reach user space. */
constexpr int kENOTSUPP = 524;

/** One message from libbpf's print callback (level: 0 warn, 1 info, 2 debug). */
struct LogLine {
  int level;
  std::string text;
};

/** A bpf_link. Shared by its JS handle and the object that made it, so either can detach it. */
struct LinkCore {
  bpf_link* link = nullptr;
  uint32_t id = 0;
  std::string description;

  void Destroy();
  ~LinkCore() { Destroy(); }
};

/** At most this many threads detach links at once (see DestroyLinks); `EBPFC_DETACH_THREADS` overrides it (1: one by one). */
constexpr size_t kDetachThreads = 32;

/**
 * Detach every still-attached link of `links`, on several threads when there
 * are several, and return when all are detached. The caller must be the only
 * one touching these links meanwhile (the JS thread, which is blocked here).
 */
void DestroyLinks(const std::vector<std::shared_ptr<LinkCore>>& links);

struct Registry;

enum class ObjectState { Opened, Loading, Loaded, Failed, Closed };

/**
 * A bpf_object and everything hanging off it. Program and map handles keep a
 * shared_ptr so their raw libbpf pointers stay valid until the object closes;
 * after Close() every accessor sees `obj == nullptr` and throws instead.
 */
struct ObjectCore {
  bpf_object* obj = nullptr;
  ObjectState state = ObjectState::Opened;
  bool closeRequested = false;
  std::string name;
  std::vector<std::shared_ptr<LinkCore>> links;
  std::vector<LogLine> pendingLog;
  std::weak_ptr<Registry> registry;
  // libelf reads an in-memory image in place until load, so a Buffer-opened
  // object keeps its own copy of the bytes.
  std::vector<char> image;

  /** bpf_object__load runs on a worker thread: the JS thread must not touch the object. */
  bool Busy() const { return state == ObjectState::Loading; }
  void Close();
  ~ObjectCore();
};

/** Every object of one Node environment, so the environment's cleanup hook can close what JS forgot. */
struct Registry {
  std::unordered_set<ObjectCore*> objects;
  void CloseAll();
};

struct InstanceData {
  Napi::FunctionReference objectCtor;
  Napi::FunctionReference programCtor;
  Napi::FunctionReference mapCtor;
  Napi::FunctionReference linkCtor;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
};

InstanceData* Instance(Napi::Env env);

// ---- libbpf log capture ---------------------------------------------------

/**
 * While alive, libbpf's messages printed on this thread are collected here
 * instead of going to stderr. libbpf_set_print is process-wide, so the
 * callback dispatches through a thread-local pointer: loads on worker threads
 * and calls on the JS thread never see each other's lines.
 */
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<LogLine> lines;

  static void InstallPrintCallback();

 private:
  LogCapture* previous_;
};

Napi::Array LogToJs(Napi::Env env, const std::vector<LogLine>& lines);

/** The first program (or map) libbpf complained about at warn level, by name. */
std::string FindNamedInLog(const std::vector<LogLine>& lines, const char* what);
/** The verifier log libbpf printed between BEGIN/END PROG LOAD LOG for `program`. */
std::string ExtractVerifierLog(const std::vector<LogLine>& lines, const std::string& program);

// ---- errors ---------------------------------------------------------------

/** Everything the TS side needs to build a BpfError (src/errors.ts decides the class). */
struct ErrorInfo {
  int err = 0;  // positive errno
  std::string op;
  std::string detail;
  std::string object;
  std::string program;
  std::string map;
  std::string verifierLog;
  std::string feature;  // set when the kernel lacks the feature
  std::vector<LogLine> log;
};

Napi::Error MakeError(Napi::Env env, const ErrorInfo& info);
[[noreturn]] void Throw(Napi::Env env, const ErrorInfo& info);
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const std::string& op, const std::string& detail = "");

// ---- kernel facts shared by probes and attach paths -------------------------

bool PathExists(const std::string& path);
/** Root of tracefs that has `events/`: /sys/kernel/tracing or the debugfs mount; empty if neither. */
std::string TracefsRoot();
/** Whether kprobes can be created, and if not, a sentence that says why. */
bool KprobesAvailable(std::string* reason);

uint32_t RoundUp8(uint32_t v);
int PossibleCpus();

}  // namespace ebpfc
