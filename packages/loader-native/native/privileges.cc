// Capabilities of this process: read them, and drop all but a few once the
// programs are loaded and attached (least privilege for the long run that
// only reads maps and /proc).
//
// Capabilities belong to each thread, not to the process: capset(2) changes
// the calling thread only. Node runs several threads (libuv's pool, V8's
// platform workers), so the drop is applied on this thread, then on every
// other thread of the process from a real-time signal's handler. A thread that
// blocks that signal (Node's SIGUSR1 inspector wake-up thread blocks all but
// glibc's own) keeps its capabilities; the result says which threads did not
// apply it, and the caller can check /proc/self/task/*/status.
#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

namespace ebpfc {

namespace {

/** The sets every thread moves to (written before any signal is sent, read in handlers). */
__user_cap_data_struct g_target[2];
uint64_t g_keep = 0;
std::atomic<int> g_applied{0};
std::atomic<int> g_failed{0};
bool g_handlerInstalled = false;

int DropSignal() { return SIGRTMIN + 5; }

/** Highest capability number this kernel knows. */
int LastCap() {
  FILE* f = fopen("/proc/sys/kernel/cap_last_cap", "r");
  int last = 40;
  if (f != nullptr) {
    if (fscanf(f, "%d", &last) != 1) last = 40;
    fclose(f);
  }
  return last > 63 ? 63 : last;
}
int g_lastCap = 40;

/** Applies the plan on the calling thread; async-signal-safe (raw syscalls only). Returns 0 or an errno. */
int ApplyOnThisThread() {
  // The bounding set first, while CAP_SETPCAP may still be effective (without it: EPERM, ignored).
  for (int cap = 0; cap <= g_lastCap; cap++) {
    if (((g_keep >> cap) & 1) == 0) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  if (syscall(SYS_capset, &header, g_target) != 0) return errno;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  return 0;
}

void OnDropSignal(int) {
  int saved = errno;
  if (ApplyOnThisThread() == 0) {
    g_applied.fetch_add(1);
  } else {
    g_failed.fetch_add(1);
  }
  errno = saved;
}

bool ReadCaps(__user_cap_data_struct (&data)[2]) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return syscall(SYS_capget, &header, data) == 0;
}

/** Whether thread `tid` of this process blocks `sig` (SigBlk in /proc/self/task/<tid>/status). */
bool BlocksSignal(pid_t tid, int sig) {
  std::string path = "/proc/self/task/" + std::to_string(tid) + "/status";
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) return false;
  char line[256];
  unsigned long long mask = 0;
  bool found = false;
  while (fgets(line, sizeof line, f) != nullptr) {
    if (sscanf(line, "SigBlk: %llx", &mask) == 1) {
      found = true;
      break;
    }
  }
  fclose(f);
  return found && ((mask >> (sig - 1)) & 1) != 0;
}

uint64_t Join(uint32_t low, uint32_t high) { return (static_cast<uint64_t>(high) << 32) | low; }

Napi::Value Mask(Napi::Env env, uint64_t mask) { return Napi::BigInt::New(env, mask); }

}  // namespace

// capabilities() -> { effective, permitted, inheritable, bounding, noNewPrivs } (bigint masks) of this thread.
Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  __user_cap_data_struct data[2];
  if (!ReadCaps(data)) {
    ThrowErrno(env, errno, "capget");
    return env.Undefined();
  }
  uint64_t bounding = 0;
  int last = LastCap();
  for (int cap = 0; cap <= last; cap++) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) bounding |= uint64_t{1} << cap;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("effective", Mask(env, Join(data[0].effective, data[1].effective)));
  out.Set("permitted", Mask(env, Join(data[0].permitted, data[1].permitted)));
  out.Set("inheritable", Mask(env, Join(data[0].inheritable, data[1].inheritable)));
  out.Set("bounding", Mask(env, bounding));
  out.Set("noNewPrivs", Napi::Boolean::New(env, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1));
  return out;
}

// dropCapabilities(keep: bigint) -> { kept: bigint, threads: number, applied: number, failed: number }
// Every thread of the process keeps only `keep` (as far as it holds them) in its effective and
// permitted sets, nothing inheritable or ambient, the rest gone from the bounding set where
// CAP_SETPCAP allows, and no_new_privs set.
Napi::Value DropCapabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBigInt()) {
    Napi::TypeError::New(env, "dropCapabilities(keep): keep must be a bigint mask").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  bool lossless = false;
  uint64_t keep = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  __user_cap_data_struct current[2];
  if (!ReadCaps(current)) {
    ThrowErrno(env, errno, "capget");
    return env.Undefined();
  }
  uint64_t kept = keep & Join(current[0].permitted, current[1].permitted);
  g_keep = kept;
  g_lastCap = LastCap();
  for (int i = 0; i < 2; i++) {
    uint32_t part = static_cast<uint32_t>(kept >> (32 * i));
    g_target[i].effective = part;
    g_target[i].permitted = part;
    g_target[i].inheritable = 0;
  }
  if (!g_handlerInstalled) {
    // Left installed: a thread that unblocks the signal later runs it then (the default action would kill the process).
    struct sigaction action {};
    action.sa_handler = OnDropSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(DropSignal(), &action, nullptr) != 0) {
      ThrowErrno(env, errno, "install the capability-drop signal handler");
      return env.Undefined();
    }
    g_handlerInstalled = true;
  }
  g_applied.store(0);
  g_failed.store(0);

  pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  pid_t pid = getpid();
  std::vector<pid_t> others;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) {
      pid_t tid = static_cast<pid_t>(atoi(entry->d_name));
      if (tid > 0 && tid != self) others.push_back(tid);
    }
    closedir(dir);
  }
  // The other threads first, while this one still holds CAP_SETPCAP (signals within a process need no capability).
  // A thread that blocks the signal would never answer: it is not waited for.
  int sent = 0;
  for (pid_t tid : others) {
    if (BlocksSignal(tid, DropSignal())) continue;
    if (syscall(SYS_tgkill, pid, tid, DropSignal()) == 0) sent++;
  }
  // Wait up to 500 ms for the handlers; blocked ones never answer.
  for (int i = 0; i < 500 && g_applied.load() + g_failed.load() < sent; i++) {
    timespec pause{0, 1000000};
    nanosleep(&pause, nullptr);
  }
  int err = ApplyOnThisThread();
  if (err != 0) {
    ThrowErrno(env, err, "drop capabilities (capset / no_new_privs)");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("kept", Mask(env, kept));
  out.Set("threads", Napi::Number::New(env, static_cast<double>(others.size() + 1)));
  out.Set("applied", Napi::Number::New(env, g_applied.load() + 1));
  out.Set("failed", Napi::Number::New(env, g_failed.load()));
  return out;
}

}  // namespace ebpfc
