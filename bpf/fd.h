/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by fd.bpf.c and the TypeScript side
 * (the build generates packages/collector-fs/src/generated/fd.ts from this header
 * and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_FD_H
#define EBPFC_FD_H

/* Lanes of tbl_fd_global (one u64 per lane, per CPU), in Netdata's order. */
enum ebpfc_fd_counter {
	EBPFC_FD_OPEN_CALL = 0,  /* open attempts (do_sys_open / do_sys_openat2 / open syscalls) */
	EBPFC_FD_OPEN_ERROR = 1, /* open attempts that returned < 0 (return mode) */
	EBPFC_FD_CLOSE_CALL = 2, /* close attempts */
	EBPFC_FD_CLOSE_ERROR = 3, /* close attempts that failed (return mode) */
	EBPFC_FD_COUNTERS = 4,
};

/*
 * Value of tbl_fd_pid. Only u64 fields, so user space can sum per-CPU copies
 * lane by lane when the table is a PERCPU_HASH. Lane order = field order =
 * the counter lanes above.
 */
struct ebpfc_fd_pid_stat {
	__u64 open_call;
	__u64 open_err;
	__u64 close_call;
	__u64 close_err;
};

#endif /* EBPFC_FD_H */
