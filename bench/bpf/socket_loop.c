// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of the socket groups of bench/event-limits.mjs
 * (bench/event-groups/socket.mjs): the events the socket collector counts,
 * caused by one thread pinned to one CPU, over loopback, timed with the
 * thread's CPU clock. Loopback transmit queues the packet and raises
 * NET_RX, which runs when the sender re-enables bottom halves, still inside
 * its syscall and on its CPU; this kernel has no CONFIG_IRQ_TIME_ACCOUNTING,
 * so that softirq time (and the BPF programs run in it: inet_sock_set_state
 * of the passive side, tcp_destroy_sock after an RST) is charged to the
 * thread and is inside CLOCK_THREAD_CPUTIME_ID, as is everything run in the
 * thread's own syscalls. Prints the fastest of `repeat` batches in ns per
 * operation.
 *
 *   socket_loop udp N REPEAT CPU  sendto(2) of 8 bytes from an unbound UDP socket to one bound to
 *                                 127.0.0.1, then recv(2) of them: one sock_send_length and one
 *                                 sock_recv_length (UDP, 8 bytes) per operation
 *   socket_loop tcp N REPEAT CPU  one TCP connection over 127.0.0.1: socket, SO_LINGER {1, 0},
 *                                 connect (blocking; the handshake completes in the softirq run by
 *                                 connect itself), accept4 on a nonblocking listener, close of the
 *                                 client (linger 0: an RST, so no TIME_WAIT piles up and ephemeral
 *                                 ports never run out), close of the accepted socket. Per operation:
 *                                 inet_sock_set_state x6 (client CLOSE->SYN_SENT, counted as a connect,
 *                                 SYN_SENT->ESTABLISHED, ESTABLISHED->CLOSE; child LISTEN->SYN_RECV,
 *                                 SYN_RECV->ESTABLISHED, ESTABLISHED->CLOSE on the RST),
 *                                 sys_exit_accept4 (counted as an inbound TCP connection),
 *                                 tcp_destroy_sock x2 (counted as closes), six syscalls (socket,
 *                                 setsockopt, connect, accept4, close x2); counted with bpftrace once
 *
 *   socket_loop udp_bpf|tcp_bpf N REPEAT CPU
 *       The same operations, but what is measured is the BPF programs' own
 *       run time (bpf_run_time.h): the kernel's run-time statistics are on
 *       while this process runs, and a batch's figure is the run_time_ns
 *       gained over it by every tracing program loaded at both its ends
 *       (programs of iterator links, such as the plugin's task snapshot
 *       once a tick, left out), divided by the operations. Bodies only: the hook's dispatch (a perf-event
 *       tracepoint's record, the syscall tracepoints' slow path on every
 *       syscall) is not in it, and the statistics' own clock reads are (the
 *       same for every program). Runs for other processes' sockets and, on
 *       the generic sys_exit, syscalls during the batch count too, hence the
 *       fastest batch. SOCKET_LOOP_VERBOSE=1 prints, per batch, each
 *       program's runs per operation and ns per run on stderr. Made for the
 *       TCP cycle, whose thread CPU time moves by several us from batch to
 *       batch with nothing attached, more than the programs add.
 *
 * Every call's return value is checked: the first operation before the
 * timed batches (the UDP datagram must be queued when sendto returns, the
 * TCP child when connect returns) and each batch's failures stop the
 * program with a message and exit status 2 (a kernel or sysctl that
 * behaves otherwise must not yield a number).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bpf_run_time.h"
#include "loop.h"

#define PAYLOAD 8

static void fail(const char *what)
{
	fprintf(stderr, "socket_loop: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* A socket of `type` bound to 127.0.0.1 on a port the kernel picks; its address in `addr`. */
static int bound_socket(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		fail("socket");
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0)
		fail("bind 127.0.0.1:0");
	if (getsockname(fd, (struct sockaddr *)addr, &len) != 0)
		fail("getsockname");
	return fd;
}

/* ---- the operations ---- */

struct udp {
	int rx, tx;
	struct sockaddr_in to;
};

static void udp_setup(struct udp *u)
{
	u->rx = bound_socket(SOCK_DGRAM, &u->to);
	u->tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (u->tx < 0)
		fail("socket");
}

/* One datagram there and back into user space; 0 when both calls moved PAYLOAD bytes. */
static inline int udp_once(const struct udp *u, char *buf)
{
	if (sendto(u->tx, buf, PAYLOAD, 0, (const struct sockaddr *)&u->to, sizeof(u->to)) != PAYLOAD)
		return -1;
	return recv(u->rx, buf, PAYLOAD, 0) == PAYLOAD ? 0 : -1;
}

struct tcp {
	int listener;
	struct sockaddr_in to;
};

static void tcp_setup(struct tcp *t)
{
	t->listener = bound_socket(SOCK_STREAM, &t->to);
	if (listen(t->listener, 128) != 0)
		fail("listen");
	if (fcntl(t->listener, F_SETFL, O_NONBLOCK) != 0)
		fail("fcntl O_NONBLOCK");
}

/* One connection, both ends opened and closed; 0 when every call succeeded. */
static inline int tcp_once(const struct tcp *t)
{
	static const struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	int c = socket(AF_INET, SOCK_STREAM, 0), s;

	if (c < 0)
		return -1;
	if (setsockopt(c, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close)) != 0 ||
	    connect(c, (const struct sockaddr *)&t->to, sizeof(t->to)) != 0) {
		close(c);
		return -1;
	}
	/* Nonblocking: the handshake ended inside connect, so the child is queued already. */
	s = accept4(t->listener, NULL, NULL, 0);
	close(c);
	if (s < 0)
		return -1;
	return close(s);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s udp|tcp|udp_bpf|tcp_bpf N REPEAT CPU\n", argv[0]);
		return 64;
	}
	const char *op = argv[1];
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]);
	char buf[PAYLOAD] = "ebpfc-u";
	struct udp u;
	struct tcp t;
	int kind, bpf_time, verbose = getenv("SOCKET_LOOP_VERBOSE") != NULL;

	if (strcmp(op, "udp") == 0 || strcmp(op, "udp_bpf") == 0)
		kind = 0;
	else if (strcmp(op, "tcp") == 0 || strcmp(op, "tcp_bpf") == 0)
		kind = 1;
	else {
		fprintf(stderr, "unknown op %s (udp, tcp, udp_bpf or tcp_bpf)\n", op);
		return 64;
	}
	bpf_time = strstr(op, "_bpf") != NULL;
	loop_start(n, repeat, cpu);
	if (kind == 0) {
		udp_setup(&u);
		/* Once, not blocking: the datagram must be queued by the time sendto returns (softirq inline). */
		if (sendto(u.tx, buf, PAYLOAD, 0, (struct sockaddr *)&u.to, sizeof(u.to)) != PAYLOAD)
			fail("sendto 127.0.0.1");
		if (recv(u.rx, buf, PAYLOAD, MSG_DONTWAIT) != PAYLOAD)
			fail("recv right after sendto (datagram not delivered inside sendto)");
	} else {
		tcp_setup(&t);
		if (tcp_once(&t) != 0)
			fail("connect/accept4/close over 127.0.0.1 (accept4 EAGAIN: handshake not done inside connect)");
	}
	if (bpf_time && bpf_run_time_enable() < 0)
		fail("BPF_ENABLE_STATS (needs root)");
	double best = 1e300;
	long failed = 0;
	static struct bpf_run_times bpf0, bpf1;

	for (long r = 0; r < repeat; r++) {
		double t0 = 0, per;

		if (bpf_time)
			bpf_run_time_snapshot(&bpf0);
		else
			t0 = loop_ns(CLOCK_THREAD_CPUTIME_ID);

		/* One loop per kind, so the timed loop holds nothing but the operation. */
		switch (kind) {
		case 0:
			for (long i = 0; i < n; i++)
				failed += udp_once(&u, buf) != 0;
			break;
		default:
			for (long i = 0; i < n; i++)
				failed += tcp_once(&t) != 0;
		}
		if (bpf_time) {
			bpf_run_time_snapshot(&bpf1);
			per = bpf_run_time_gained(&bpf0, &bpf1) / n;
			if (verbose)
				bpf_run_time_report(&bpf0, &bpf1, n);
		} else {
			per = (loop_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / n;
		}
		if (failed) {
			fprintf(stderr, "socket_loop %s: %ld of %ld operations failed (last error: %s)\n", op, failed, n, strerror(errno));
			return 2;
		}
		if (per < best)
			best = per;
	}
	printf("%.2f\n", best);
	return 0;
}
