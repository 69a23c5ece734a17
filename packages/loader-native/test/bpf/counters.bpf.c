// Counts getppid() calls of one process through the three tracepoint
// mechanisms the host kernel supports, one slot each in a per-CPU array.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define NR_GETPPID 110 /* x86_64 */

enum slot { SLOT_TRACEPOINT = 0, SLOT_RAW_TP = 1, SLOT_TP_BTF = 2, SLOT_MAX = 4 };

/* Only this process's calls count: the test sets it to its own pid. */
const volatile __u32 target_tgid = 0;
/* Added per event; a test changes it to show setGlobal reaches the program. */
const volatile __u64 increment = 1;

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SLOT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 slot) {
  if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid) return;
  __u64 *v = bpf_map_lookup_elem(&counts, &slot);
  if (v) *v += increment;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int lnt_tp_getppid(void *ctx) {
  count(SLOT_TRACEPOINT);
  return 0;
}

SEC("raw_tp/sys_enter")
int lnt_raw_enter(struct bpf_raw_tracepoint_args *ctx) {
  if (ctx->args[1] == NR_GETPPID) count(SLOT_RAW_TP);
  return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(lnt_btf_enter, struct pt_regs *regs, long id) {
  if (id == NR_GETPPID) count(SLOT_TP_BTF);
  return 0;
}
