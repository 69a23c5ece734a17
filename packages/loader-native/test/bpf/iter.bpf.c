// Lists the tgid of every process (thread-group leaders) through a task iterator.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int lnt_iter_tgids(struct bpf_iter__task *ctx) {
  struct task_struct *task = ctx->task;
  if (!task || task->pid != task->tgid) return 0;
  __u32 tgid = task->tgid;
  bpf_seq_write(ctx->meta->seq, &tgid, sizeof(tgid));
  return 0;
}
