#include "program.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "link.h"

namespace ebpfc {

namespace {

struct ProgramInit {
  std::shared_ptr<ObjectCore> core;
  bpf_program* prog;
};

uint32_t LinkId(bpf_link* link) {
  struct bpf_link_info info;
  memset(&info, 0, sizeof info);
  uint32_t len = sizeof info;
  // Legacy perf-event attachments have a perf fd, not a link fd: no id.
  if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len) != 0) return 0;
  return info.id;
}

}  // namespace

Napi::Function ProgramHandle::Define(Napi::Env env) {
  return DefineClass(env, "ProgramHandle",
                     {
                         InstanceMethod<&ProgramHandle::Name>("name"),
                         InstanceMethod<&ProgramHandle::SectionName>("sectionName"),
                         InstanceMethod<&ProgramHandle::Autoload>("autoload"),
                         InstanceMethod<&ProgramHandle::SetAutoload>("setAutoload"),
                         InstanceMethod<&ProgramHandle::SetAttachTarget>("setAttachTarget"),
                         InstanceMethod<&ProgramHandle::Fd>("fd"),
                         InstanceMethod<&ProgramHandle::Id>("id"),
                         InstanceMethod<&ProgramHandle::Attach>("attach"),
                         InstanceMethod<&ProgramHandle::AttachTracepoint>("attachTracepoint"),
                         InstanceMethod<&ProgramHandle::AttachRawTracepoint>("attachRawTracepoint"),
                         InstanceMethod<&ProgramHandle::AttachKprobe>("attachKprobe"),
                         InstanceMethod<&ProgramHandle::AttachTrace>("attachTrace"),
                     });
}

Napi::Value ProgramHandle::NewInstance(Napi::Env env, const std::shared_ptr<ObjectCore>& core, bpf_program* prog) {
  ProgramInit init{core, prog};
  return Instance(env)->programCtor.New({Napi::External<ProgramInit>::New(env, &init)});
}

ProgramHandle::ProgramHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramHandle>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "ProgramHandle is created by ObjectHandle.programs()");
  }
  ProgramInit* init = info[0].As<Napi::External<ProgramInit>>().Data();
  core_ = init->core;
  prog_ = init->prog;
  name_ = bpf_program__name(prog_);
  section_ = bpf_program__section_name(prog_);
}

bpf_program* ProgramHandle::RequireOpened(Napi::Env env, const std::string& op) {
  if (core_->state != ObjectState::Opened || core_->obj == nullptr) {
    ErrorInfo e;
    e.err = EBUSY;
    e.op = op;
    e.detail = "only possible before load";
    e.object = core_->name;
    e.program = name_;
    Throw(env, e);
  }
  return prog_;
}

bpf_program* ProgramHandle::RequireLoaded(Napi::Env env, const std::string& op) {
  if (core_->state != ObjectState::Loaded || core_->obj == nullptr) {
    ErrorInfo e;
    e.err = core_->state == ObjectState::Closed ? EBADF : EBUSY;
    e.op = op;
    e.detail = core_->state == ObjectState::Closed ? "the object is closed" : "the object is not loaded";
    e.object = core_->name;
    e.program = name_;
    Throw(env, e);
  }
  if (bpf_program__fd(prog_) < 0) {
    ErrorInfo e;
    e.err = ENOENT;
    e.op = op;
    e.detail = "the program was not loaded (autoload was false)";
    e.object = core_->name;
    e.program = name_;
    Throw(env, e);
  }
  return prog_;
}

Napi::Value ProgramHandle::Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }

Napi::Value ProgramHandle::SectionName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), section_);
}

Napi::Value ProgramHandle::Autoload(const Napi::CallbackInfo& info) {
  if (core_->obj == nullptr) return Napi::Boolean::New(info.Env(), false);
  if (core_->Busy()) ThrowErrno(info.Env(), EBUSY, "read autoload of program " + name_, "the object is loading");
  return Napi::Boolean::New(info.Env(), bpf_program__autoload(prog_));
}

Napi::Value ProgramHandle::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool value = info[0].ToBoolean().Value();
  bpf_program* prog = RequireOpened(env, "set autoload of program " + name_);
  int r = bpf_program__set_autoload(prog, value);
  if (r < 0) ThrowErrno(env, -r, "set autoload of program " + name_);
  return env.Undefined();
}

Napi::Value ProgramHandle::SetAttachTarget(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string target = info[0].As<Napi::String>().Utf8Value();
  std::string op = "set attach target of program " + name_ + " to " + target;
  bpf_program* prog = RequireOpened(env, op);
  LogCapture capture;
  int r = bpf_program__set_attach_target(prog, 0, target.c_str());
  if (r < 0) {
    ErrorInfo e;
    e.err = -r;
    e.op = op;
    e.object = core_->name;
    e.program = name_;
    if (-r == ESRCH) e.detail = "the kernel's BTF has no such function (fentry/fexit) or tracepoint (tp_btf)";
    e.log = std::move(capture.lines);
    Throw(env, e);
  }
  core_->pendingLog.insert(core_->pendingLog.end(), capture.lines.begin(), capture.lines.end());
  return env.Undefined();
}

Napi::Value ProgramHandle::Fd(const Napi::CallbackInfo& info) {
  if (core_->obj == nullptr || core_->state != ObjectState::Loaded) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), bpf_program__fd(prog_));
}

Napi::Value ProgramHandle::Id(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (core_->obj == nullptr || core_->state != ObjectState::Loaded) return Napi::Number::New(env, 0);
  int fd = bpf_program__fd(prog_);
  if (fd < 0) return Napi::Number::New(env, 0);
  struct bpf_prog_info pinfo;
  memset(&pinfo, 0, sizeof pinfo);
  uint32_t len = sizeof pinfo;
  if (bpf_obj_get_info_by_fd(fd, &pinfo, &len) != 0) ThrowErrno(env, errno, "get info of program " + name_);
  return Napi::Number::New(env, pinfo.id);
}

Napi::Value ProgramHandle::FinishAttach(Napi::Env env, bpf_link* link, int err, const std::string& op,
                                        LogCapture& capture, const std::string& feature, const std::string& reason) {
  if (link == nullptr) {
    ErrorInfo e;
    e.err = err != 0 ? err : EINVAL;
    e.op = op;
    e.object = core_->name;
    e.program = name_;
    e.feature = feature;
    e.detail = reason;
    e.log = std::move(capture.lines);
    Throw(env, e);
  }
  core_->pendingLog.insert(core_->pendingLog.end(), capture.lines.begin(), capture.lines.end());
  // Links closed from JS stay in the list until here; drop them so an object
  // that attaches and detaches all day does not grow.
  auto& links = core_->links;
  links.erase(std::remove_if(links.begin(), links.end(), [](const auto& l) { return l->link == nullptr; }), links.end());
  auto linkCore = std::make_shared<LinkCore>();
  linkCore->link = link;
  linkCore->id = LinkId(link);
  linkCore->description = op;
  core_->links.push_back(linkCore);
  return LinkHandle::NewInstance(env, linkCore);
}

namespace {

/** Why a tracepoint attach failed, when the cause is tracefs rather than the kernel. */
std::string TracefsReason() {
  if (!TracefsRoot().empty()) return "";
  return "tracefs is not mounted at /sys/kernel/tracing (mount -t tracefs nodev /sys/kernel/tracing, or call "
         "ensureTracefs())";
}

}  // namespace

Napi::Value ProgramHandle::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string op = "attach program " + name_ + " (" + section_ + ")";
  bpf_program* prog = RequireLoaded(env, op);
  LogCapture capture;
  bpf_link* link = bpf_program__attach(prog);
  int err = link == nullptr ? errno : 0;
  std::string reason;
  if (link == nullptr && bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT) reason = TracefsReason();
  return FinishAttach(env, link, err, op, capture, "", reason);
}

Napi::Value ProgramHandle::AttachTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string category = info[0].As<Napi::String>().Utf8Value();
  std::string event = info[1].As<Napi::String>().Utf8Value();
  std::string op = "attach tracepoint " + category + "/" + event;
  bpf_program* prog = RequireLoaded(env, op);
  LogCapture capture;
  bpf_link* link = bpf_program__attach_tracepoint(prog, category.c_str(), event.c_str());
  int err = link == nullptr ? errno : 0;
  std::string reason = link == nullptr ? TracefsReason() : "";
  if (link == nullptr && reason.empty() && err == ENOENT) reason = "no such tracepoint";
  return FinishAttach(env, link, err, op, capture, "", reason);
}

Napi::Value ProgramHandle::AttachRawTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string event = info[0].As<Napi::String>().Utf8Value();
  std::string op = "attach raw_tracepoint " + event;
  bpf_program* prog = RequireLoaded(env, op);
  LogCapture capture;
  bpf_link* link = bpf_program__attach_raw_tracepoint(prog, event.c_str());
  int err = link == nullptr ? errno : 0;
  return FinishAttach(env, link, err, op, capture, "", "");
}

// attachKprobe(functionName: string, retprobe: boolean, offset: number)
Napi::Value ProgramHandle::AttachKprobe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string function = info[0].As<Napi::String>().Utf8Value();
  bool retprobe = info.Length() > 1 && info[1].ToBoolean().Value();
  uint64_t offset = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 0;
  std::string op = std::string("attach ") + (retprobe ? "kretprobe " : "kprobe ") + function;
  bpf_program* prog = RequireLoaded(env, op);
  LogCapture capture;
  LIBBPF_OPTS(bpf_kprobe_opts, opts);
  opts.retprobe = retprobe;
  opts.offset = offset;
  bpf_link* link = bpf_program__attach_kprobe_opts(prog, function.c_str(), &opts);
  int err = link == nullptr ? errno : 0;
  std::string feature, reason;
  if (link == nullptr && !KprobesAvailable(&reason)) feature = "kprobe";
  return FinishAttach(env, link, err, op, capture, feature, reason);
}

Napi::Value ProgramHandle::AttachTrace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string op = "attach trace program " + name_ + " (" + section_ + ")";
  bpf_program* prog = RequireLoaded(env, op);
  LogCapture capture;
  bpf_link* link = bpf_program__attach_trace(prog);
  int err = link == nullptr ? errno : 0;
  return FinishAttach(env, link, err, op, capture, "", "");
}

}  // namespace ebpfc
