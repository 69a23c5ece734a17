#include "btf_names.h"

namespace ebpfc {

Napi::Value BtfFunctionNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct btf* btf = info.Length() > 0 && info[0].IsString()
                        ? btf__parse(info[0].As<Napi::String>().Utf8Value().c_str(), nullptr)
                        : btf__load_vmlinux_btf();
  if (btf == nullptr) return env.Null();
  std::string names = "\n";
  uint32_t n = btf__type_cnt(btf);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_func(t)) continue;
    names += btf__name_by_offset(btf, t->name_off);
    names += '\n';
  }
  btf__free(btf);
  return Napi::String::New(env, names);
}

}  // namespace ebpfc
