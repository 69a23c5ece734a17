/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by mdflush.bpf.c and the TypeScript side
 * (packages/collector-mdflush/src/internal-types.ts mirrors every number here).
 */
#ifndef EBPFC_MDFLUSH_H
#define EBPFC_MDFLUSH_H

/* Arrays tracked at most (Netdata's table size). */
#define EBPFC_MDFLUSH_ARRAYS 1024

/*
 * tbl_mdflush: key = the md device's kernel dev_t (major << 20 | minor, as
 * block_device.bd_dev holds it), value = flush requests (u64).
 */
typedef __u32 ebpfc_mdflush_key_t;
typedef __u64 ebpfc_mdflush_value_t;

#endif /* EBPFC_MDFLUSH_H */
