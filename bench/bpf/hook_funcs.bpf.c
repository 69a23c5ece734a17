// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal function-hook programs for bench/hook-limits.mjs --mode
 * trampoline|probe (and bench/vm-hooks.mjs, which runs those in the VM lane):
 * the least a program can do to get what the vfs and fd collectors get in
 * return load mode from the kernel functions they hook there (calls, bytes,
 * errors, globally and per PID). Built at bench time; nothing here ships.
 *
 *   fexit_*  fexit (BPF trampoline) on vfs_read, do_sys_openat2, close_fd
 *   kret_*   kretprobe on the same functions
 *
 * close_fd returns an int (< 0 = bad fd) up to 6.10, which is what the VM
 * lane's guest (Debian's 6.1) has; later kernels renamed the function that
 * returns the file (file_close_fd) and these programs fail to attach there.
 *
 * Accounting: hook_account.h, as hook_limits.bpf.c's (a separate object, so
 * that each holds only its own hook type's programs).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define ACCOUNT_GLOBAL fn_global
#define ACCOUNT_PID fn_pid
#include "hook_account.h"

/* ssize_t vfs_read(struct file *, char __user *, size_t, loff_t *) */
SEC("fexit/vfs_read")
int BPF_PROG(fexit_read, void *file, void *buf, __u64 count, void *pos, long ret)
{
	account(READ_LANE, ret, true);
	return 0;
}

/* long do_sys_openat2(int dfd, const char __user *filename, struct open_how *how) */
SEC("fexit/do_sys_openat2")
int BPF_PROG(fexit_open, int dfd, const char *filename, void *how, long ret)
{
	account(OPEN_LANE, ret, false);
	return 0;
}

/* int close_fd(unsigned int fd) */
SEC("fexit/close_fd")
int BPF_PROG(fexit_close, unsigned int fd, int ret)
{
	account(CLOSE_LANE, ret, false);
	return 0;
}

SEC("kretprobe/vfs_read")
int kret_read(struct pt_regs *ctx)
{
	account(READ_LANE, (long)PT_REGS_RC(ctx), true);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int kret_open(struct pt_regs *ctx)
{
	account(OPEN_LANE, (long)PT_REGS_RC(ctx), false);
	return 0;
}

SEC("kretprobe/close_fd")
int kret_close(struct pt_regs *ctx)
{
	account(CLOSE_LANE, (int)PT_REGS_RC(ctx), false);
	return 0;
}
