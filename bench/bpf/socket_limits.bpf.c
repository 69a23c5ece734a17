// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Minimal programs for the socket groups of bench/event-limits.mjs
 * (bench/event-groups/socket.mjs): the least a program can do to get what
 * the socket collector gets in tracepoint mode on this kernel, on each hook
 * type the kernel offers. Built at bench time; nothing here ships.
 *
 * What the collector accounts per event (bpf/socket.bpf.c, apps on,
 * `collect pid = all`, network connections off):
 *   sock_send_length / sock_recv_length  inet sockets only (AF_INET, AF_INET6); TCP or UDP(-Lite):
 *       calls, and the bytes (ret; a MSG_PEEK receive 0 bytes) or an error (ret < 0), host-wide;
 *       on success the PID's calls and bytes too
 *   inet_sock_set_state  TCP only: CLOSE -> SYN_SENT is a connect (v4 or v6 lane, and the PID's),
 *       SYN_SENT -> CLOSE a failed one (host-wide); every other change nothing
 *   tcp_retransmit_skb   a retransmit, host-wide
 *   tcp_destroy_sock     a close, host-wide
 *   accept / accept4 exit  the returned fd's socket, when it is an inet TCP one: an inbound connection
 * Host-wide lanes are one per-CPU value of 20 lanes (one lookup an event;
 * the collector's one-u64-per-lane array takes one lookup per lane, two for
 * a send); the PID table is the collector's: a per-CPU hash keyed by tgid,
 * plain adds (`maps per core`, the plugin's default), value struct
 * ebpfc_socket_pid_stat of bpf/socket.h, whose lane numbers are used too.
 *
 * Programs, one set per hook type (each set loads all of them, as the collector does):
 *   sk_tp_*        tracepoint/<cat>/<event>: perf-event tracepoints; the records carry family,
 *                  protocol and states, so no kernel memory is read but for accept's fd;
 *                  accept through syscalls/sys_exit_accept{,4}
 *   sk_raw_*       raw_tp/<event>: untyped arguments, family and protocol by probe reads;
 *                  accept through raw_tp/sys_exit (sk_exit_raw_tp), a switch on the syscall id
 *   sk_btf_*       tp_btf/<event>: BTF-typed arguments, family and protocol by plain loads;
 *                  accept through tp_btf/sys_exit (sk_exit_tp_btf)
 * Accept's fd walk (task -> files -> fdtable -> file -> socket -> sock) is
 * the collector's, less its bound check on the fd (an fd accept returned is
 * below max_fds, and a table never shrinks); it is the same probe reads on
 * every hook type.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpfc_syscall_exit.h"
#include "../../bpf/socket.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_UDPLITE 136
#define MSG_PEEK 2
#define STATE_SYN_SENT 2
#define STATE_CLOSE 7
#define MODE_MASK 00170000
#define MODE_SOCK 0140000

struct sock_lanes {
	__u64 lane[EBPFC_SOCKET_COUNTERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct sock_lanes);
	__uint(max_entries, 1);
} min_sock SEC(".maps");

/* The collector's tbl_bandwidth as the plugin loads it: per-CPU, 32,768 entries (`pid table size`). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_socket_pid_stat);
	__uint(max_entries, 32768);
} min_sock_pid SEC(".maps");

static __always_inline struct sock_lanes *global(void)
{
	__u32 index = 0;

	return bpf_map_lookup_elem(&min_sock, &index);
}

static __always_inline struct ebpfc_socket_pid_stat *pid_stat(void)
{
	struct ebpfc_socket_pid_stat *stat, zero = {};
	__u32 key = bpf_get_current_pid_tgid() >> 32;

	stat = bpf_map_lookup_elem(&min_sock_pid, &key);
	if (stat)
		return stat;
	bpf_map_update_elem(&min_sock_pid, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&min_sock_pid, &key);
}

/* A send (recv false) or receive of an inet socket; `bytes` is what a success moved. */
static __always_inline void sock_io(__u16 family, __u16 protocol, bool recv, int ret, __u64 bytes)
{
	struct sock_lanes *g;
	struct ebpfc_socket_pid_stat *p;
	bool tcp = protocol == PROTO_TCP;
	__u32 calls;

	if (family != AF_INET && family != AF_INET6)
		return;
	if (!tcp && protocol != PROTO_UDP && protocol != PROTO_UDPLITE)
		return;
	calls = tcp ? (recv ? EBPFC_SOCKET_CALLS_TCP_RECV : EBPFC_SOCKET_CALLS_TCP_SENDMSG)
		    : (recv ? EBPFC_SOCKET_CALLS_UDP_RECVMSG : EBPFC_SOCKET_CALLS_UDP_SENDMSG);
	g = global();
	if (!g || calls + 2 >= EBPFC_SOCKET_COUNTERS)
		return;
	g->lane[calls] += 1;
	if (ret < 0) {
		g->lane[calls + 1] += 1;
		return;
	}
	g->lane[calls + 2] += bytes;
	p = pid_stat();
	if (!p)
		return;
	if (recv) {
		p->bytes_received += bytes;
		if (tcp)
			p->call_tcp_received += 1;
		else
			p->call_udp_received += 1;
	} else {
		p->bytes_sent += bytes;
		if (tcp)
			p->call_tcp_sent += 1;
		else
			p->call_udp_sent += 1;
	}
}

static __always_inline void sock_state(__u16 family, __u16 protocol, int oldstate, int newstate)
{
	struct sock_lanes *g;
	struct ebpfc_socket_pid_stat *p;
	bool v6 = family == AF_INET6;

	if (protocol != PROTO_TCP)
		return;
	if (oldstate == STATE_CLOSE && newstate == STATE_SYN_SENT) {
		g = global();
		if (g)
			g->lane[v6 ? EBPFC_SOCKET_CALLS_CONNECT_V6 : EBPFC_SOCKET_CALLS_CONNECT_V4] += 1;
		p = pid_stat();
		if (p) {
			if (v6)
				p->call_tcp_v6_connection += 1;
			else
				p->call_tcp_v4_connection += 1;
		}
	} else if (oldstate == STATE_SYN_SENT && newstate == STATE_CLOSE) {
		g = global();
		if (g)
			g->lane[v6 ? EBPFC_SOCKET_ERROR_CONNECT_V6 : EBPFC_SOCKET_ERROR_CONNECT_V4] += 1;
	}
}

static __always_inline void sock_lane(__u32 lane)
{
	struct sock_lanes *g = global();

	if (g && lane < EBPFC_SOCKET_COUNTERS)
		g->lane[lane] += 1;
}

/* accept's new fd: an inbound connection when its socket is an inet TCP one. */
static __always_inline void sock_accept(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (fd < 0)
		return;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return;
	/* Another thread may have closed the fd and opened a file there meanwhile. */
	if ((BPF_CORE_READ(file, f_inode, i_mode) & MODE_MASK) != MODE_SOCK)
		return;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family == AF_INET || family == AF_INET6) && BPF_CORE_READ(sk, sk_protocol) == PROTO_TCP)
		sock_lane(EBPFC_SOCKET_INBOUND_TCP);
}

/* ---- tracepoint/: the records' fields ---- */

SEC("tracepoint/sock/sock_send_length")
int sk_tp_send(struct trace_event_raw_sock_msg_length *ctx)
{
	sock_io(ctx->family, ctx->protocol, false, ctx->ret, (__u64)ctx->ret);
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int sk_tp_recv(struct trace_event_raw_sock_msg_length *ctx)
{
	sock_io(ctx->family, ctx->protocol, true, ctx->ret, (ctx->flags & MSG_PEEK) ? 0 : (__u64)ctx->ret);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int sk_tp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	sock_state(ctx->family, ctx->protocol, ctx->oldstate, ctx->newstate);
	return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int sk_tp_retrans(void *ctx)
{
	sock_lane(EBPFC_SOCKET_TCP_RETRANSMIT);
	return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int sk_tp_destroy(void *ctx)
{
	sock_lane(EBPFC_SOCKET_CALLS_TCP_CLOSE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sk_tp_accept(struct trace_event_raw_sys_exit *ctx)
{
	sock_accept(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sk_tp_accept4(struct trace_event_raw_sys_exit *ctx)
{
	sock_accept(ctx->ret);
	return 0;
}

/* ---- raw_tp/: arguments as u64, the socket read with probe reads ---- */

SEC("raw_tp/sock_send_length")
int sk_raw_send(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int ret = (int)ctx->args[1];

	sock_io(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_protocol), false, ret, (__u64)ret);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int sk_raw_recv(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int ret = (int)ctx->args[1], flags = (int)ctx->args[2];

	sock_io(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_protocol), true, ret,
		(flags & MSG_PEEK) ? 0 : (__u64)ret);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int sk_raw_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];

	sock_state(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_protocol), (int)ctx->args[1], (int)ctx->args[2]);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int sk_raw_retrans(void *ctx)
{
	sock_lane(EBPFC_SOCKET_TCP_RETRANSMIT);
	return 0;
}

SEC("raw_tp/tcp_destroy_sock")
int sk_raw_destroy(void *ctx)
{
	sock_lane(EBPFC_SOCKET_CALLS_TCP_CLOSE);
	return 0;
}

/* ---- tp_btf/: BTF-typed arguments, the socket read with plain loads ---- */

SEC("tp_btf/sock_send_length")
int BPF_PROG(sk_btf_send, struct sock *sk, int ret, int flags)
{
	sock_io(sk->__sk_common.skc_family, sk->sk_protocol, false, ret, (__u64)ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sk_btf_recv, struct sock *sk, int ret, int flags)
{
	sock_io(sk->__sk_common.skc_family, sk->sk_protocol, true, ret, (flags & MSG_PEEK) ? 0 : (__u64)ret);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sk_btf_state, const struct sock *sk, int oldstate, int newstate)
{
	sock_state(sk->__sk_common.skc_family, sk->sk_protocol, oldstate, newstate);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int sk_btf_retrans(void *ctx)
{
	sock_lane(EBPFC_SOCKET_TCP_RETRANSMIT);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int sk_btf_destroy(void *ctx)
{
	sock_lane(EBPFC_SOCKET_CALLS_TCP_CLOSE);
	return 0;
}

/* ---- accept on the generic syscall exit: sk_exit_tp_btf, sk_exit_raw_tp ---- */

static __always_inline void sock_exit(long id, long ret, struct pt_regs *regs)
{
	if (id != EBPFC_NR_accept && id != EBPFC_NR_accept4)
		return;
	if (ebpfc_syscall_compat())
		return;
	sock_accept(ret);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(sk_exit, sock_exit)
