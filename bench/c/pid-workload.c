/*
 * pid-workload: keeps N live processes for bench/plugin-footprint.mjs.
 *
 *   pid-workload N GROUPS PERIOD_MS [CGROUP_DIR_PREFIX]
 *
 * Forks GROUPS group leaders named "ebpfc-wl-g<k>" (comm), each of which
 * forks its share of N children with the same name. With a cgroup prefix,
 * leader k first moves itself into "<prefix><k>" (its cgroup.procs), so its
 * children start there. Every child wakes about every PERIOD_MS (spread
 * evenly, so the machine sees N / PERIOD wake-ups per second) and does one
 * open, read, write and close of /dev/null, so every per-PID table the
 * collectors keep gets an entry for it; PERIOD_MS 0 means never wake.
 * Prints "ready <pids>" on stdout once every child exists, then waits for
 * SIGTERM/SIGINT (or stdin closing) and kills the whole process group.
 * Everything dies with its parent (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "pid-workload: %s: %s\n", what, strerror(errno));
  _exit(1);
}

static void child_loop(long period_ms, long offset_ms) {
  if (period_ms <= 0) {
    for (;;) pause();
  }
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  long long ns = (long long)next.tv_nsec + offset_ms * 1000000LL;
  next.tv_sec += ns / 1000000000LL;
  next.tv_nsec = ns % 1000000000LL;
  char b = 0;
  for (;;) {
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
    }
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
      if (read(fd, &b, 1) < 0 || write(fd, &b, 1) < 0) b = 0;
      close(fd);
    }
    long long t = (long long)next.tv_nsec + period_ms * 1000000LL;
    next.tv_sec += t / 1000000000LL;
    next.tv_nsec = t % 1000000000LL;
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: pid-workload N GROUPS PERIOD_MS [CGROUP_DIR_PREFIX]\n");
    return 64;
  }
  long n = atol(argv[1]), groups = atol(argv[2]), period = atol(argv[3]);
  const char *cg = argc > 4 ? argv[4] : NULL;
  if (n < 0 || groups < 1 || groups > 100 || period < 0) {
    fprintf(stderr, "pid-workload: bad arguments\n");
    return 64;
  }
  if (setpgid(0, 0) < 0) die("setpgid");
  int ready[2];
  if (pipe(ready) < 0) die("pipe");
  pid_t top = getpid();
  long made = 0;
  for (long g = 0; g < groups; g++) {
    long share = n / groups + (g < n % groups ? 1 : 0);
    pid_t leader = fork();
    if (leader < 0) die("fork (leader)");
    if (leader == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != top) _exit(0);
      char name[16];
      snprintf(name, sizeof name, "ebpfc-wl-g%d", (int)(g % 100));
      prctl(PR_SET_NAME, name);
      if (cg) {
        char path[4096];
        snprintf(path, sizeof path, "%s%ld/cgroup.procs", cg, g);
        int fd = open(path, O_WRONLY);
        if (fd < 0 || write(fd, "0", 1) < 0) die(path);
        close(fd);
      }
      pid_t me = getpid();
      for (long i = 0; i < share; i++) {
        pid_t c = fork();
        if (c < 0) die("fork (child)");
        if (c == 0) {
          prctl(PR_SET_PDEATHSIG, SIGKILL);
          if (getppid() != me) _exit(0);
          close(ready[0]);
          close(ready[1]);
          long idx = g + i * groups;
          child_loop(period, period > 0 ? (idx * period) / (n ? n : 1) : 0);
        }
      }
      char one = 1;
      if (write(ready[1], &one, 1) != 1) die("write ready");
      for (;;) pause();
    }
    made += share;
  }
  close(ready[1]);
  for (long g = 0; g < groups; g++) {
    char one;
    if (read(ready[0], &one, 1) != 1) {
      fprintf(stderr, "pid-workload: a group leader failed\n");
      kill(0, SIGKILL);
      return 1;
    }
  }
  printf("ready %ld\n", made + groups);
  fflush(stdout);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int sig;
  sigwait(&set, &sig);
  signal(SIGTERM, SIG_IGN);
  kill(0, SIGKILL);
  return 0;
}
