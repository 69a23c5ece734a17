// kprobe-family programs: they load here, but the kernel has no kprobes to attach to.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 hits = 0;

SEC("kprobe/vfs_read")
int lnt_kprobe_read(struct pt_regs *ctx) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("kretprobe/vfs_read")
int lnt_kret_read(struct pt_regs *ctx) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("ksyscall/getppid")
int lnt_ksys_getppid(struct pt_regs *ctx) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("kretsyscall/getppid")
int lnt_kretsys_getppid(struct pt_regs *ctx) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}
