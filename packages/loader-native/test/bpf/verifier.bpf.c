// lnt_good counts getppid() calls of one process; lnt_bad dereferences a hash
// map value without the NULL check, which the verifier must reject. (A hash,
// because recent kernels know an array lookup with a constant in-range key
// cannot return NULL.)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} hits SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int lnt_good(void *ctx) {
  if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid) return 0;
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&hits, &key);
  if (v) __sync_fetch_and_add(v, 1);
  return 0;
}

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} by_key SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int lnt_bad(void *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&by_key, &key);
  *v += 1; /* no NULL check */
  return 0;
}
