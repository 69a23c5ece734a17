// fentry/fexit programs: the host kernel refuses to load them (EPERM).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 entries = 0;
__u64 exits = 0;

SEC("fentry/vfs_read")
int BPF_PROG(lnt_fentry_read, struct file *file) {
  __sync_fetch_and_add(&entries, 1);
  return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(lnt_fexit_read, struct file *file, char *buf, size_t count, loff_t *pos, ssize_t ret) {
  __sync_fetch_and_add(&exits, 1);
  return 0;
}
