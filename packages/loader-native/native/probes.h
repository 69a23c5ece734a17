// Feature probes and kernel lookups exported as plain functions.
#pragma once

#include "common.h"

namespace ebpfc {

Napi::Value ProbeBtf(const Napi::CallbackInfo& info);
Napi::Value ProbeTracepoint(const Napi::CallbackInfo& info);
Napi::Value ProbeRawTracepoint(const Napi::CallbackInfo& info);
Napi::Value ProbeTpBtf(const Napi::CallbackInfo& info);
Napi::Value ProbeFentry(const Napi::CallbackInfo& info);
Napi::Value ProbeKprobe(const Napi::CallbackInfo& info);
Napi::Value ProbeBatchOps(const Napi::CallbackInfo& info);
Napi::Value ProbeMapType(const Napi::CallbackInfo& info);
Napi::Value BtfFunctions(const Napi::CallbackInfo& info);
Napi::Value KallsymsFunctions(const Napi::CallbackInfo& info);
Napi::Value MountTracefs(const Napi::CallbackInfo& info);
Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info);

}  // namespace ebpfc
