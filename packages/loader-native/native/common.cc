#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>

namespace ebpfc {

// ---- cores ------------------------------------------------------------------

void LinkCore::Destroy() {
  if (link != nullptr) {
    bpf_link__destroy(link);
    link = nullptr;
  }
}

void DestroyLinks(const std::vector<std::shared_ptr<LinkCore>>& links) {
  std::vector<LinkCore*> open;
  for (const auto& link : links) {
    if (link && link->link != nullptr) open.push_back(link.get());
  }
  static const size_t maxThreads = [] {
    const char* v = getenv("EBPFC_DETACH_THREADS");
    long n = v != nullptr ? strtol(v, nullptr, 10) : 0;
    return n >= 1 && n <= 256 ? static_cast<size_t>(n) : kDetachThreads;
  }();
  if (open.size() <= 1 || maxThreads == 1) {
    for (LinkCore* link : open) link->Destroy();
    return;
  }
  // Releasing a tracepoint's last perf event waits for RCU grace periods
  // inside close() (tens of ms each on a busy machine). Closing from several
  // threads at once lets the waits overlap instead of adding up.
  size_t threads = std::min<size_t>(open.size(), maxThreads);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < open.size(); i = next++) open[i]->Destroy();
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; t++) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // No more threads: the ones running (and this one) finish the list.
    }
  }
  work();
  for (auto& thread : pool) thread.join();
}

void ObjectCore::Close() {
  if (state == ObjectState::Loading) {
    // The worker thread is inside bpf_object__load; it closes when it returns.
    closeRequested = true;
    return;
  }
  // Links first: a link keeps its program alive in the kernel, so detaching
  // before closing the object is what makes the program ids disappear.
  DestroyLinks(links);
  links.clear();
  if (obj != nullptr) {
    bpf_object__close(obj);
    obj = nullptr;
  }
  state = ObjectState::Closed;
  if (auto r = registry.lock()) r->objects.erase(this);
}

ObjectCore::~ObjectCore() {
  if (state != ObjectState::Loading) Close();
}

void Registry::CloseAll() {
  std::vector<ObjectCore*> copy(objects.begin(), objects.end());
  // Every object's links at once, then the objects (whose links are closed by then).
  std::vector<std::shared_ptr<LinkCore>> links;
  for (ObjectCore* core : copy) {
    if (core->state != ObjectState::Loading) links.insert(links.end(), core->links.begin(), core->links.end());
  }
  DestroyLinks(links);
  for (ObjectCore* core : copy) core->Close();
}

InstanceData* Instance(Napi::Env env) { return env.GetInstanceData<InstanceData>(); }

// ---- log capture --------------------------------------------------------------

namespace {

thread_local LogCapture* currentCapture = nullptr;

int PrintToCapture(enum libbpf_print_level level, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  char stackBuf[512];
  int n = vsnprintf(stackBuf, sizeof stackBuf, format, copy);
  va_end(copy);
  if (n < 0) return 0;
  std::string text;
  if (static_cast<size_t>(n) < sizeof stackBuf) {
    text.assign(stackBuf, static_cast<size_t>(n));
  } else {
    text.resize(static_cast<size_t>(n) + 1);
    vsnprintf(text.data(), text.size(), format, args);
    text.resize(static_cast<size_t>(n));
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();

  if (currentCapture != nullptr) {
    currentCapture->lines.push_back({static_cast<int>(level), std::move(text)});
  } else if (level == LIBBPF_WARN) {
    // Outside any operation (should not happen): keep warnings visible.
    fprintf(stderr, "%s\n", text.c_str());
  }
  return n;
}

}  // namespace

LogCapture::LogCapture() : previous_(currentCapture) { currentCapture = this; }

LogCapture::~LogCapture() { currentCapture = previous_; }

void LogCapture::InstallPrintCallback() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(PrintToCapture); });
}

Napi::Array LogToJs(Napi::Env env, const std::vector<LogLine>& lines) {
  Napi::Array out = Napi::Array::New(env, lines.size());
  for (size_t i = 0; i < lines.size(); i++) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::Number::New(env, lines[i].level));
    pair.Set(1u, Napi::String::New(env, lines[i].text));
    out.Set(static_cast<uint32_t>(i), pair);
  }
  return out;
}

std::string FindNamedInLog(const std::vector<LogLine>& lines, const char* what) {
  // libbpf names the culprit as "prog 'x': ..." or "map 'x': ...".
  std::string needle = std::string(what) + " '";
  for (const LogLine& line : lines) {
    if (line.level != LIBBPF_WARN) continue;
    size_t at = line.text.find(needle);
    if (at == std::string::npos) continue;
    size_t start = at + needle.size();
    size_t end = line.text.find('\'', start);
    if (end == std::string::npos) continue;
    return line.text.substr(start, end - start);
  }
  return "";
}

std::string ExtractVerifierLog(const std::vector<LogLine>& lines, const std::string& program) {
  static const char kBegin[] = "-- BEGIN PROG LOAD LOG --";
  static const char kEnd[] = "-- END PROG LOAD LOG --";
  std::string prefix = "prog '" + program + "': ";
  for (const LogLine& line : lines) {
    size_t begin = line.text.find(kBegin);
    if (begin == std::string::npos) continue;
    if (!program.empty() && line.text.find(prefix) == std::string::npos) continue;
    size_t start = begin + sizeof kBegin - 1;
    if (start < line.text.size() && line.text[start] == '\n') start++;
    size_t end = line.text.find(kEnd, start);
    std::string log = line.text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!log.empty() && log.back() == '\n') log.pop_back();
    return log;
  }
  return "";
}

// ---- errors -------------------------------------------------------------------

namespace {

/**
 * Text of an errno, including libbpf's own codes (4000..: "Unknown error 4001"
 * from strerror) and the kernel's ENOTSUPP (524), which libc does not name.
 */
std::string ErrorText(int err) {
  if (err >= 4000 && err < 4100) {
    char buf[128];
    if (libbpf_strerror(-err, buf, sizeof buf) == 0) return std::string(buf) + " (libbpf error " + std::to_string(err) + ")";
    return "libbpf error " + std::to_string(err);
  }
  if (err == 524) return "Operation not supported by this kernel (ENOTSUPP)";
  return strerror(err);
}

}  // namespace

Napi::Error MakeError(Napi::Env env, const ErrorInfo& info) {
  std::string message = info.op;
  if (info.err != 0) {
    message += ": ";
    message += ErrorText(info.err);
  }
  if (!info.detail.empty()) {
    message += ": ";
    message += info.detail;
  }
  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object o = error.Value();
  o.Set("nativeErrno", Napi::Number::New(env, info.err));
  o.Set("nativeOp", Napi::String::New(env, info.op));
  if (!info.detail.empty()) o.Set("nativeDetail", Napi::String::New(env, info.detail));
  if (!info.object.empty()) o.Set("nativeObject", Napi::String::New(env, info.object));
  if (!info.program.empty()) o.Set("nativeProgram", Napi::String::New(env, info.program));
  if (!info.map.empty()) o.Set("nativeMap", Napi::String::New(env, info.map));
  if (!info.verifierLog.empty()) o.Set("nativeVerifierLog", Napi::String::New(env, info.verifierLog));
  if (!info.feature.empty()) o.Set("nativeFeature", Napi::String::New(env, info.feature));
  o.Set("nativeLog", LogToJs(env, info.log));
  return error;
}

void Throw(Napi::Env env, const ErrorInfo& info) { throw MakeError(env, info); }

void ThrowErrno(Napi::Env env, int err, const std::string& op, const std::string& detail) {
  ErrorInfo info;
  info.err = err;
  info.op = op;
  info.detail = detail;
  Throw(env, info);
}

// ---- kernel facts -------------------------------------------------------------

bool PathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

namespace {

bool KallsymsHas(const char* symbol) {
  std::ifstream in("/proc/kallsyms");
  std::string line;
  size_t len = strlen(symbol);
  while (std::getline(in, line)) {
    // "<addr> <type> <name>[\t[module]]"
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    const char* name = line.c_str() + sp + 1;
    if (strncmp(name, symbol, len) == 0 && (name[len] == '\0' || name[len] == '\t')) return true;
  }
  return false;
}

}  // namespace

std::string TracefsRoot() {
  if (PathExists("/sys/kernel/tracing/events")) return "/sys/kernel/tracing";
  if (PathExists("/sys/kernel/debug/tracing/events")) return "/sys/kernel/debug/tracing";
  return "";
}

bool KprobesAvailable(std::string* reason) {
  if (PathExists("/sys/bus/event_source/devices/kprobe/type")) return true;
  std::string tracefs = TracefsRoot();
  if (!tracefs.empty()) {
    if (PathExists(tracefs + "/kprobe_events")) return true;
    *reason = "kprobes are not available on this kernel (CONFIG_KPROBES off: no kprobe PMU and no kprobe_events)";
    return false;
  }
  if (!KallsymsHas("register_kprobe")) {
    *reason =
        "kprobes are not available on this kernel (CONFIG_KPROBES off: no kprobe PMU, and register_kprobe is not in "
        "/proc/kallsyms)";
    return false;
  }
  *reason =
      "kprobes need the kprobe PMU or kprobe_events, and this kernel has no kprobe PMU while tracefs is not mounted "
      "at /sys/kernel/tracing";
  return false;
}

uint32_t RoundUp8(uint32_t v) { return (v + 7u) & ~7u; }

// libbpf caches the parsed /sys/devices/system/cpu/possible itself.
int PossibleCpus() { return libbpf_num_possible_cpus(); }

}  // namespace ebpfc
