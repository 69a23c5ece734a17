// Maps only: the map tests fill and read them from user space.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct pid_stats {
  __u64 lanes[8]; /* 64 bytes, like a collector's per-PID record */
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 32768);
  __type(key, __u32);
  __type(value, struct pid_stats);
} pid_table SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} scratch SEC(".maps");

/* The test turns this into a 1000-entry percpu_hash before load. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} resizable SEC(".maps");

struct pair {
  __u64 calls;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, struct pair);
} pairs SEC(".maps");
