// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of bench/event-limits.mjs for the softirq, hardirq and disk
 * collectors: operations that cause their events, in a tight loop, the
 * calling thread pinned to one CPU. Prints the fastest of REPEAT batches of
 * N operations, in ns per operation. Each op's first call is checked (return
 * value, bytes) and the program exits non-zero with a message otherwise.
 *
 *   io_loop udp N REPEAT CPU
 *       1-byte UDP datagrams to a socket of its own on 127.0.0.1, sent 32 at
 *       a time with sendmmsg(2) and received with recvmmsg(2); an operation
 *       is one datagram. Loopback delivery raises NET_RX and runs it in the
 *       sender's context before each datagram's send returns (one
 *       softirq_entry/exit per datagram here, by the programs' run counts),
 *       so the thread's CPU clock holds the softirq work and the BPF
 *       programs on it (this kernel has no
 *       CONFIG_IRQ_TIME_ACCOUNTING: irq work is charged to the thread it
 *       interrupts). Clock: CLOCK_THREAD_CPUTIME_ID.
 *
 *   io_loop dread N REPEAT CPU FILE
 *       pread(2) of 4 KiB with O_DIRECT from FILE (on the virtio disk),
 *       each at the next 4 KiB offset, wrapping. One block request per read
 *       (block_rq_issue, block_rq_complete) and one device interrupt
 *       (irq_handler_entry/exit of the disk's line). The thread sleeps while
 *       the device works and the interrupt hits an idle CPU, so its CPU clock
 *       holds none of the completion side: timed with CLOCK_MONOTONIC (wall
 *       clock), the thread pinned to CPU, which should be the CPU the disk
 *       interrupts (its smp_affinity; see event-groups/irq.mjs). The read's
 *       own cost (tens of microseconds, most of it the host's) is in the
 *       figure: its noise is what limits what can be read.
 *
 *   io_loop ipi N REPEAT CPU
 *       membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) from a thread on the
 *       other CPU while a second thread of the process spins on CPU: each
 *       call sends one function-call IPI to CPU and waits for its handler
 *       to finish (irq_vectors call_function(_single)_entry/exit on CPU), so
 *       the caller's CPU clock (it spins in the wait) holds the handler and
 *       the BPF programs on it. Clock: CLOCK_THREAD_CPUTIME_ID of the caller.
 *       membarrier only interrupts CPUs running a thread of the process, so
 *       the spinner is SCHED_FIFO, and a batch during which CPU took fewer
 *       function-call interrupts (/proc/interrupts CAL) than calls is not
 *       counted (it would look cheaper). Needs 2 CPUs.
 *
 *   io_loop OP_bpf N REPEAT CPU [FILE]   (udp_bpf, dread_bpf, ipi_bpf)
 *       The same operations, but what is measured is the BPF programs' own
 *       run time (bpf_run_time.h): with the kernel's BPF run-time
 *       statistics on for as long as this process runs, the run_time_ns
 *       gained over the batch by every tracing program loaded at both its
 *       start and end, divided by the operations: BPF body ns per
 *       operation, on every CPU (iterator programs, such as the plugin's
 *       task snapshot run once a tick, left out). It excludes the hook's
 *       dispatch (building a tracepoint's record, the call around the
 *       program); with nothing attached it is 0. For when the clocks' noise
 *       dwarfs the BPF cost (see bench/event-groups/irq.mjs).
 *       IO_LOOP_VERBOSE=1 prints each program's runs per operation and ns
 *       per run, per batch, on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpf_run_time.h"
#include "loop.h"

#define BLOCK 4096

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------ udp */

static int udp_fd;
static struct sockaddr_in udp_addr;

static void udp_setup(void)
{
	socklen_t len = sizeof(udp_addr);
	char byte = 'x', got = 0;

	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_fd < 0)
		die("socket");
	memset(&udp_addr, 0, sizeof(udp_addr));
	udp_addr.sin_family = AF_INET;
	udp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(udp_fd, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) != 0)
		die("bind 127.0.0.1");
	if (getsockname(udp_fd, (struct sockaddr *)&udp_addr, &len) != 0)
		die("getsockname");
	if (sendto(udp_fd, &byte, 1, 0, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) != 1)
		die("udp sendto");
	/* Loopback delivers within sendto: the datagram must be there already. */
	if (recv(udp_fd, &got, 1, MSG_DONTWAIT) != 1 || got != byte)
		die("udp recv right after sendto (expected the datagram delivered in sendto)");
}

/* Datagrams a sendmmsg(2)/recvmmsg(2) pair moves: the syscalls' cost spread over many packets. */
#define UDP_BURST 32

static void udp_batch(long n)
{
	static char bytes[UDP_BURST];
	static struct iovec iov[UDP_BURST];
	static struct mmsghdr out[UDP_BURST], in[UDP_BURST];

	for (int i = 0; i < UDP_BURST; i++) {
		iov[i].iov_base = &bytes[i];
		iov[i].iov_len = 1;
		out[i].msg_hdr.msg_name = &udp_addr;
		out[i].msg_hdr.msg_namelen = sizeof(udp_addr);
		out[i].msg_hdr.msg_iov = &iov[i];
		out[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	for (long i = 0; i < n; i += UDP_BURST) {
		sendmmsg(udp_fd, out, UDP_BURST, 0);
		recvmmsg(udp_fd, in, UDP_BURST, MSG_DONTWAIT, NULL);
	}
}

/* ------------------------------------------------------------ dread */

static int dread_fd;
static void *dread_buf;
static long dread_blocks, dread_next;

static void dread_setup(const char *file)
{
	struct stat st;

	dread_fd = open(file, O_RDONLY | O_DIRECT);
	if (dread_fd < 0)
		die(file);
	if (fstat(dread_fd, &st) != 0)
		die("fstat");
	dread_blocks = st.st_size / BLOCK;
	if (dread_blocks < 1) {
		fprintf(stderr, "%s: smaller than one %d-byte block\n", file, BLOCK);
		exit(2);
	}
	if (posix_memalign(&dread_buf, BLOCK, BLOCK) != 0) {
		fprintf(stderr, "posix_memalign failed\n");
		exit(1);
	}
	if (pread(dread_fd, dread_buf, BLOCK, 0) != BLOCK)
		die("O_DIRECT pread of the first block");
}

static void dread_batch(long n)
{
	for (long i = 0; i < n; i++) {
		pread(dread_fd, dread_buf, BLOCK, dread_next * BLOCK);
		if (++dread_next == dread_blocks)
			dread_next = 0;
	}
}

/* ------------------------------------------------------------ ipi */

static atomic_int spin_stop;

static void *spinner(void *arg)
{
	struct sched_param rt = { .sched_priority = 1 };

	if (loop_pin(*(int *)arg) != 0)
		die("sched_setaffinity (spinner)");
	/* Real-time, so no ordinary task takes the CPU from it (membarrier only IPIs CPUs running the process). */
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt);
	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
		;
	return NULL;
}

static long membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}

/* Function-call interrupts CPU `cpu` has taken (/proc/interrupts, line CAL), -1 if unreadable. */
static long long call_interrupts(int cpu)
{
	char line[4096];
	long long count = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, "CAL:", 4) != 0)
			continue;
		p += 4;
		for (int c = 0; c <= cpu; c++)
			count = strtoll(p, &p, 10);
		break;
	}
	fclose(f);
	return count;
}

static void ipi_batch(long n)
{
	for (long i = 0; i < n; i++)
		membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s udp|dread|ipi[_bpf] N REPEAT CPU [FILE]\n", argv[0]);
		return 64;
	}
	const char *op = argv[1];
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]);
	void (*batch)(long);
	clockid_t clock = CLOCK_THREAD_CPUTIME_ID;
	pthread_t spin_thread;
	int spinning = 0, bpf_time = 0, stats_fd = -1;

	loop_check_counts(n, repeat);
	/* OP_bpf: the same operations, BPF programs' run time per operation instead of a clock. */
	char base[32];
	size_t len = strlen(op);

	if (len > 4 && len < sizeof(base) && strcmp(op + len - 4, "_bpf") == 0) {
		memcpy(base, op, len - 4);
		base[len - 4] = 0;
		op = base;
		bpf_time = 1;
	}
	if (strcmp(op, "udp") == 0) {
		if (loop_pin(cpu) != 0)
			die("sched_setaffinity");
		udp_setup();
		batch = udp_batch;
	} else if (strcmp(op, "dread") == 0) {
		if (argc != 6) {
			fprintf(stderr, "dread needs FILE (a file on the disk, at least 4 KiB)\n");
			return 64;
		}
		if (loop_pin(cpu) != 0)
			die("sched_setaffinity");
		dread_setup(argv[5]);
		batch = dread_batch;
		clock = CLOCK_MONOTONIC;
	} else if (strcmp(op, "ipi") == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		if (cpus < 2) {
			fprintf(stderr, "ipi needs 2 CPUs (this machine has %ld)\n", cpus);
			return 2;
		}
		/* The caller on another CPU, the spinner on CPU: the IPIs land there. */
		if (loop_pin(cpu == 0 ? 1 : 0) != 0)
			die("sched_setaffinity");
		if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
			die("membarrier register");
		if (pthread_create(&spin_thread, NULL, spinner, &cpu) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
		spinning = 1;
		usleep(20000);
		if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
			die("membarrier");
		batch = ipi_batch;
	} else {
		fprintf(stderr, "unknown op %s (udp, dread or ipi, each optionally with _bpf)\n", op);
		return 64;
	}
	if (bpf_time && (stats_fd = bpf_run_time_enable()) < 0)
		die("BPF_ENABLE_STATS (needs root)");
	double best = 1e300;
	long skipped = 0;
	static struct bpf_run_times bpf0, bpf1;

	for (long r = 0; r < repeat; r++) {
		long long ipis = spinning ? call_interrupts(cpu) : 0;
		double t0 = 0, per;

		if (bpf_time)
			bpf_run_time_snapshot(&bpf0);
		else
			t0 = loop_ns(clock);
		batch(n);
		if (bpf_time) {
			bpf_run_time_snapshot(&bpf1);
			per = bpf_run_time_gained(&bpf0, &bpf1) / n;
		} else {
			per = (loop_ns(clock) - t0) / n;
		}
		/*
		 * A batch during which the spinner lost its CPU (real-time throttling, or no SCHED_FIFO) sent fewer
		 * IPIs and looks cheaper: not counted, and run again (up to as many times as REPEAT).
		 */
		if (spinning && ipis >= 0 && call_interrupts(cpu) - ipis < n) {
			if (++skipped > repeat) {
				fprintf(stderr, "ipi: fewer than one IPI a call on CPU %d in %ld batches (is CPU %d busy?)\n", cpu, skipped, cpu);
				return 3;
			}
			r--;
			continue;
		}
		if (bpf_time && getenv("IO_LOOP_VERBOSE")) {
			fprintf(stderr, "batch %ld: %.1f ns/op\n", r, per);
			bpf_run_time_report(&bpf0, &bpf1, n);
		}
		if (per < best)
			best = per;
	}
	if (spinning) {
		atomic_store(&spin_stop, 1);
		pthread_join(spin_thread, NULL);
	}
	if (stats_fd >= 0)
		close(stats_fd);
	printf("%.2f\n", best);
	return 0;
}
