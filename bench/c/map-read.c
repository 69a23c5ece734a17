/*
 * map-read: the C baseline of bench/map-read.mjs. Reads a per-PID map
 * (u32 PID key, u64 lanes, per-CPU or not) that the benchmark created, by
 * its kernel id, REPS times with BPF_MAP_LOOKUP_BATCH, and after each read
 * turns it into per-group totals the way the plugin's accumulators do: per
 * PID, each lane's growth since the previous read (the whole value the first
 * time, or when it shrank) is added to the PID's group, here PID % GROUPS.
 * Per-CPU copies are summed lane by lane.
 *
 *   map-read MAP_ID REPS GROUPS [BATCH]
 *
 * Prints one JSON line: {"count":N,"ms":[per read],"sums":[[lane totals of group 0],...]}
 * with the totals after the first read (decimal strings).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
  uint32_t pid; /* 0 = empty */
  uint32_t used;
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: map-read MAP_ID REPS GROUPS [BATCH]\n");
    return 64;
  }
  uint32_t id = (uint32_t)atol(argv[1]);
  int reps = atoi(argv[2]);
  uint32_t groups = (uint32_t)atol(argv[3]);
  uint32_t batch = argc > 4 ? (uint32_t)atol(argv[4]) : 4096;
  if (reps < 1 || groups < 1 || batch < 1) {
    fprintf(stderr, "map-read: bad arguments\n");
    return 64;
  }
  int fd = bpf_map_get_fd_by_id(id);
  if (fd < 0) {
    fprintf(stderr, "map-read: map id %u: %s\n", id, strerror(errno));
    return 1;
  }
  struct bpf_map_info info;
  memset(&info, 0, sizeof info);
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
    fprintf(stderr, "map-read: map info: %s\n", strerror(errno));
    return 1;
  }
  int per_cpu = info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  int ncpus = per_cpu ? libbpf_num_possible_cpus() : 1;
  if (info.key_size != 4 || info.value_size % 8 != 0 || ncpus < 1) {
    fprintf(stderr, "map-read: expected u32 keys and u64 lanes (key %u, value %u bytes)\n", info.key_size, info.value_size);
    return 1;
  }
  uint32_t lanes = info.value_size / 8;
  size_t stride = (size_t)lanes * ncpus; /* u64s per entry as the kernel returns it */
  if (batch > info.max_entries) batch = info.max_entries;

  uint32_t *keys = malloc((size_t)batch * 4);
  uint64_t *values = malloc((size_t)batch * stride * 8);
  /* Per-PID previous values: open addressing on the PID, twice the map size. */
  uint32_t cap = 1;
  while (cap < info.max_entries * 2) cap <<= 1;
  struct slot *slots = calloc(cap, sizeof *slots);
  uint64_t *prev = calloc((size_t)cap * lanes, 8);
  uint64_t *totals = calloc((size_t)groups * lanes, 8);
  uint64_t *first = calloc((size_t)groups * lanes, 8);
  double *ms = malloc(sizeof(double) * reps);
  uint64_t *sum = malloc(lanes * 8);
  if (!keys || !values || !slots || !prev || !totals || !first || !ms || !sum) {
    fprintf(stderr, "map-read: out of memory\n");
    return 1;
  }
  uint32_t count = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now_ms();
    uint32_t in = 0, out = 0, total = 0;
    int firstBatch = 1;
    for (;;) {
      uint32_t n = batch;
      LIBBPF_OPTS(bpf_map_batch_opts, opts);
      int err = bpf_map_lookup_batch(fd, firstBatch ? NULL : &in, &out, keys, values, &n, &opts);
      int done = err < 0 && errno == ENOENT;
      if (err < 0 && !done) {
        fprintf(stderr, "map-read: lookup batch: %s\n", strerror(errno));
        return 1;
      }
      for (uint32_t i = 0; i < n; i++) {
        const uint64_t *v = values + i * stride;
        for (uint32_t l = 0; l < lanes; l++) sum[l] = v[l];
        for (int c = 1; c < ncpus; c++)
          for (uint32_t l = 0; l < lanes; l++) sum[l] += v[c * lanes + l];
        uint32_t pid = keys[i];
        uint32_t h = (pid * 2654435761u) & (cap - 1);
        while (slots[h].used && slots[h].pid != pid) h = (h + 1) & (cap - 1);
        uint64_t *p = prev + (size_t)h * lanes;
        uint64_t *t = totals + (size_t)(pid % groups) * lanes;
        if (!slots[h].used) {
          slots[h].used = 1;
          slots[h].pid = pid;
          for (uint32_t l = 0; l < lanes; l++) t[l] += sum[l];
        } else {
          for (uint32_t l = 0; l < lanes; l++) t[l] += sum[l] >= p[l] ? sum[l] - p[l] : sum[l];
        }
        memcpy(p, sum, lanes * 8);
      }
      total += n;
      if (done) break;
      in = out;
      firstBatch = 0;
    }
    ms[r] = now_ms() - t0;
    if (r == 0) {
      memcpy(first, totals, (size_t)groups * lanes * 8);
      count = total;
    }
  }
  printf("{\"count\":%u,\"lanes\":%u,\"cpus\":%d,\"ms\":[", count, lanes, ncpus);
  for (int r = 0; r < reps; r++) printf("%s%.4f", r ? "," : "", ms[r]);
  printf("],\"sums\":[");
  for (uint32_t g = 0; g < groups; g++) {
    printf("%s[", g ? "," : "");
    for (uint32_t l = 0; l < lanes; l++) printf("%s\"%" PRIu64 "\"", l ? "," : "", first[(size_t)g * lanes + l]);
    printf("]");
  }
  printf("]}\n");
  return 0;
}
