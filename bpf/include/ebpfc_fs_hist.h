/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Latency histogram slots of the filesystem collector (Netdata's 24 bins,
 * `0us->1us` ... `4s->+Inf`). Bin i > 0 holds latencies of [2^(i-1), 2^i)
 * microseconds, bin 0 those under 1 us, bin 23 everything from 2^22 us
 * (4.19 s) up, so every bin holds what its name says.
 */
#ifndef EBPFC_FS_HIST_H
#define EBPFC_FS_HIST_H

#include "vmlinux.h"

#define EBPFC_FS_HIST_BINS 24

/* floor(log2(v)) for v > 0, in five branch-free steps (0 for v == 0). */
static __always_inline __u32 ebpfc_log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 ebpfc_log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? ebpfc_log2_u32(hi) + 32 : ebpfc_log2_u32((__u32)v);
}

/* The bin of a latency given in nanoseconds. */
static __always_inline __u32 ebpfc_fs_hist_bin(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 bin;

	if (us == 0)
		return 0;
	bin = ebpfc_log2_u64(us) + 1;
	return bin < EBPFC_FS_HIST_BINS ? bin : EBPFC_FS_HIST_BINS - 1;
}

#endif /* EBPFC_FS_HIST_H */
