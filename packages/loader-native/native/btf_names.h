// The names of every function in a BTF, for kernel-function lookups without
// parsing the BTF once per name.
#pragma once

#include "common.h"

namespace ebpfc {

/**
 * btfFunctionNames(path?: string) -> string | null: every FUNC name of the
 * BTF at `path` (the kernel's own when undefined), each between '\n'
 * ("\nname1\nname2\n"), or null when the BTF cannot be loaded.
 */
Napi::Value BtfFunctionNames(const Napi::CallbackInfo& info);

}  // namespace ebpfc
