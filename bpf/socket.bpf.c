// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Socket collector: TCP and UDP calls, bytes and errors, TCP connections
 * (outbound v4/v6, inbound accepted), TCP closes and retransmits, host-wide
 * and per `collect pid` key.
 *
 * Program families, switched with autoload before load:
 *   trampoline_* fentry/fexit on Netdata's kernel functions (inet_csk_accept,
 *                tcp_retransmit_skb, tcp_cleanup_rbuf, tcp_close, udp_recvmsg,
 *                tcp_sendmsg, udp_sendmsg, tcp_v4_connect, tcp_v6_connect)
 *   probe_*      kprobe/kretprobe on the same functions
 *   tracepoint_* sock_send_length / sock_recv_length (bytes, calls,
 *                errors from `ret`; 6.3+) or, on older kernels, the socket
 *                I/O syscalls (tracepoint_sys_*_sock_io), inet_sock_set_state
 *                (connects and failed connects), tcp_retransmit_skb,
 *                tcp_destroy_sock (each event also as `_tp_btf` twins, which
 *                read the socket with plain loads, and `_raw_tp` twins, probe
 *                reads; preferred in that order to the perf event), and the
 *                accept/accept4 syscall exits (inbound connections)
 *
 * The *_entry programs count what a call asked for (entry load mode); the
 * *_exit ones count what it did and its errors (return load mode).
 *
 * With `ebpfc_nv_enabled` (`network connections = yes`) the same programs
 * also add each send, receive, retransmit and accept to the socket's entry in
 * tbl_conn_ipv4/tbl_conn_ipv6 (the per-connection charts); probe_nv_stash_*
 * keep the socket for kretprobes, which only see the return value.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "ebpfc_counters.h"
#include "ebpfc_pid.h"
#include "ebpfc_tracepoint.h"
#include "ebpfc_syscall_exit.h"
#include "socket.h"

/* Macros of include/linux/socket.h and uapi/linux/in.h are not part of BTF. */
#define EBPFC_AF_INET 2
#define EBPFC_AF_INET6 10
#define EBPFC_IPPROTO_TCP 6
#define EBPFC_IPPROTO_UDP 17
#define EBPFC_IPPROTO_UDPLITE 136
#define EBPFC_MSG_PEEK 2
#define EBPFC_TCP_SYN_SENT 2
#define EBPFC_TCP_CLOSE 7
/* include/uapi/linux/stat.h */
#define EBPFC_S_IFMT 00170000
#define EBPFC_S_IFSOCK 0140000

/* Messages of one sendmmsg/recvmmsg whose bytes are read; the rest count as calls only. */
#define EBPFC_MMSG_MAX 64

/* Threads inside a socket syscall at once (tracepoint family before 6.3). */
#define EBPFC_SOCK_IO_ENTRIES 4096

/* PID_MAX_DEFAULT; user space resizes it from `pid table size` before load. */
#define EBPFC_PID_TABLE_ENTRIES 32768

char LICENSE[] SEC("license") = "GPL";

EBPFC_PERCPU_COUNTERS(tbl_global_sock, EBPFC_SOCKET_COUNTERS);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct ebpfc_socket_pid_stat);
	__uint(max_entries, EBPFC_PID_TABLE_ENTRIES);
} tbl_bandwidth SEC(".maps");

/*
 * A socket syscall in flight on one thread (key: pid_tgid), from its enter
 * to its exit tracepoint. LRU: a thread killed inside the call never reaches
 * the exit, and its entry must not hold a slot forever.
 */
struct ebpfc_sock_io {
	__u64 mmsg;   /* user address of the struct mmsghdr array (sendmmsg/recvmmsg), else 0 */
	__u64 sk;     /* the struct sock (held by the fd for the whole call) */
	__u8 tcp;     /* TCP; else UDP or UDP-Lite */
	__u8 recv;    /* a receive; else a send */
	__u8 peek;    /* MSG_PEEK: the bytes stay queued and are counted when really read */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u64);
	__type(value, struct ebpfc_sock_io);
	__uint(max_entries, EBPFC_SOCK_IO_ENTRIES);
} tbl_sock_io SEC(".maps");

/* What one event adds to the current key's per-PID value. */
enum ebpfc_socket_pid_event {
	EBPFC_PID_TCP_SENT,
	EBPFC_PID_TCP_RECEIVED,
	EBPFC_PID_UDP_SENT,
	EBPFC_PID_UDP_RECEIVED,
	EBPFC_PID_RETRANSMIT,
	EBPFC_PID_CLOSE,
	EBPFC_PID_CONNECT_V4,
	EBPFC_PID_CONNECT_V6,
};

/*
 * The current task's key. `btf`: the caller is a BTF-typed program (tp_btf),
 * which reads the task with plain loads where the kernel allows
 * (ebpfc_pid_key_current_btf); probe reads otherwise. `collect pid = all`
 * reads no task either way.
 */
static __always_inline __u32 pid_key_current(bool btf)
{
	return btf ? ebpfc_pid_key_current_btf() : ebpfc_pid_key_current();
}

static __always_inline void pid_count_as(enum ebpfc_socket_pid_event event, __u64 bytes, bool btf)
{
	struct ebpfc_socket_pid_stat zero = {};
	struct ebpfc_socket_pid_stat *stat;

	if (!ebpfc_apps_enabled)
		return;
	stat = ebpfc_pid_lookup_or_init(&tbl_bandwidth, pid_key_current(btf), &zero);
	if (!stat)
		return;
	switch (event) {
	case EBPFC_PID_TCP_SENT:
		ebpfc_pid_add(&stat->call_tcp_sent, 1);
		ebpfc_pid_add(&stat->bytes_sent, bytes);
		break;
	case EBPFC_PID_TCP_RECEIVED:
		ebpfc_pid_add(&stat->call_tcp_received, 1);
		ebpfc_pid_add(&stat->bytes_received, bytes);
		break;
	case EBPFC_PID_UDP_SENT:
		ebpfc_pid_add(&stat->call_udp_sent, 1);
		ebpfc_pid_add(&stat->bytes_sent, bytes);
		break;
	case EBPFC_PID_UDP_RECEIVED:
		ebpfc_pid_add(&stat->call_udp_received, 1);
		ebpfc_pid_add(&stat->bytes_received, bytes);
		break;
	case EBPFC_PID_RETRANSMIT:
		ebpfc_pid_add(&stat->retransmit, 1);
		break;
	case EBPFC_PID_CLOSE:
		ebpfc_pid_add(&stat->call_close, 1);
		break;
	case EBPFC_PID_CONNECT_V4:
		ebpfc_pid_add(&stat->call_tcp_v4_connection, 1);
		break;
	case EBPFC_PID_CONNECT_V6:
		ebpfc_pid_add(&stat->call_tcp_v6_connection, 1);
		break;
	}
}

static __always_inline void pid_count(enum ebpfc_socket_pid_event event, __u64 bytes)
{
	pid_count_as(event, bytes, false);
}

/*
 * One send or receive: a call, and either its bytes (ret >= 0) or an error.
 * Errors count the call too, as Netdata's return programs do; their bytes and
 * per-PID values do not.
 */
static __always_inline void count_io(__u32 calls, __u64 ret_or_size, long ret, enum ebpfc_socket_pid_event event, bool btf)
{
	ebpfc_count(&tbl_global_sock, calls);
	if (ret < 0) {
		/* The error lane follows the calls lane in every group. */
		ebpfc_count(&tbl_global_sock, calls + 1);
		return;
	}
	ebpfc_count_n(&tbl_global_sock, calls + 2, ret_or_size);
	pid_count_as(event, ret_or_size, btf);
}

static __always_inline void count_tcp_send(long ret, __u64 bytes)
{
	count_io(EBPFC_SOCKET_CALLS_TCP_SENDMSG, bytes, ret, EBPFC_PID_TCP_SENT, false);
}

static __always_inline void count_tcp_recv(long ret, __u64 bytes)
{
	count_io(EBPFC_SOCKET_CALLS_TCP_RECV, bytes, ret, EBPFC_PID_TCP_RECEIVED, false);
}

static __always_inline void count_udp_send(long ret, __u64 bytes)
{
	count_io(EBPFC_SOCKET_CALLS_UDP_SENDMSG, bytes, ret, EBPFC_PID_UDP_SENT, false);
}

static __always_inline void count_udp_recv(long ret, __u64 bytes)
{
	count_io(EBPFC_SOCKET_CALLS_UDP_RECVMSG, bytes, ret, EBPFC_PID_UDP_RECEIVED, false);
}

/* A connect attempt; `failed` only from return programs or a SYN_SENT -> CLOSE. */
static __always_inline void count_connect_as(bool v6, bool failed, bool btf)
{
	__u32 calls = v6 ? EBPFC_SOCKET_CALLS_CONNECT_V6 : EBPFC_SOCKET_CALLS_CONNECT_V4;

	if (failed) {
		ebpfc_count(&tbl_global_sock, calls + 1);
		return;
	}
	ebpfc_count(&tbl_global_sock, calls);
	pid_count_as(v6 ? EBPFC_PID_CONNECT_V6 : EBPFC_PID_CONNECT_V4, 0, btf);
}

static __always_inline void count_connect(bool v6, bool failed)
{
	count_connect_as(v6, failed, false);
}

static __always_inline void count_retransmit(bool attribute)
{
	ebpfc_count(&tbl_global_sock, EBPFC_SOCKET_TCP_RETRANSMIT);
	if (attribute)
		pid_count(EBPFC_PID_RETRANSMIT, 0);
}

static __always_inline void count_close(bool attribute)
{
	ebpfc_count(&tbl_global_sock, EBPFC_SOCKET_CALLS_TCP_CLOSE);
	if (attribute)
		pid_count(EBPFC_PID_CLOSE, 0);
}

static __always_inline bool is_udp(__u16 protocol)
{
	return protocol == EBPFC_IPPROTO_UDP || protocol == EBPFC_IPPROTO_UDPLITE;
}

/* --------------------------------------------------------- network viewer */

/* `[ebpf programs] network connections`: user space sets it before load. */
const volatile bool ebpfc_nv_enabled = false;

/* Stock `ipv4/ipv6 connection table size`; user space resizes them (1 when off). */
#define EBPFC_NV_TABLE_ENTRIES 16384

/*
 * LRU: closed sockets are never deleted here (their last bytes would be lost
 * before user space read them); the least recently used ones make room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ebpfc_nv_key);
	__type(value, struct ebpfc_nv_value);
	__uint(max_entries, EBPFC_NV_TABLE_ENTRIES);
} tbl_conn_ipv4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ebpfc_nv_key);
	__type(value, struct ebpfc_nv_value);
	__uint(max_entries, EBPFC_NV_TABLE_ENTRIES);
} tbl_conn_ipv6 SEC(".maps");

/*
 * The socket of a kprobe'd call in flight (key: pid_tgid), for the kretprobe
 * that has only the return value.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u64);
	__type(value, __u64);
	__uint(max_entries, EBPFC_SOCK_IO_ENTRIES);
} tbl_nv_sk SEC(".maps");

enum ebpfc_nv_event {
	EBPFC_NV_SENT,
	EBPFC_NV_RECV,
	EBPFC_NV_RETRANSMIT,
	EBPFC_NV_ACCEPTED,
};

/* The entry of a TCP or UDP inet socket, created if missing; NULL otherwise. */
static __always_inline struct ebpfc_nv_value *nv_entry(struct sock *sk)
{
	struct ebpfc_nv_key key = {};
	struct ebpfc_nv_value zero = {};
	struct ebpfc_nv_value *value;
	void *table;
	__u16 protocol;

	if (!sk)
		return NULL;
	key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (protocol == EBPFC_IPPROTO_TCP)
		key.protocol = EBPFC_IPPROTO_TCP;
	else if (is_udp(protocol))
		key.protocol = EBPFC_IPPROTO_UDP;
	else
		return NULL;
	if (key.family == EBPFC_AF_INET) {
		key.laddr[0] = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		key.raddr[0] = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		table = &tbl_conn_ipv4;
	} else if (key.family == EBPFC_AF_INET6) {
		BPF_CORE_READ_INTO(&key.laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
		BPF_CORE_READ_INTO(&key.raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
		table = &tbl_conn_ipv6;
	} else {
		return NULL;
	}
	key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	key.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	value = bpf_map_lookup_elem(table, &key);
	if (value)
		return value;
	bpf_map_update_elem(table, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(table, &key);
}

/*
 * One event of a socket for the per-connection charts. A send or receive
 * counts when it moved bytes (errors and empty reads are no packets).
 */
static __always_inline void nv_count(struct sock *sk, enum ebpfc_nv_event event, long ret, __u64 bytes)
{
	struct ebpfc_nv_value *value;

	if (!ebpfc_nv_enabled)
		return;
	if ((event == EBPFC_NV_SENT || event == EBPFC_NV_RECV) && (ret < 0 || bytes == 0))
		return;
	value = nv_entry(sk);
	if (!value)
		return;
	switch (event) {
	case EBPFC_NV_SENT:
		__sync_fetch_and_add(&value->sent_bytes, bytes);
		__sync_fetch_and_add(&value->sent_packets, 1);
		break;
	case EBPFC_NV_RECV:
		__sync_fetch_and_add(&value->recv_bytes, bytes);
		__sync_fetch_and_add(&value->recv_packets, 1);
		break;
	case EBPFC_NV_RETRANSMIT:
		__sync_fetch_and_add(&value->retransmits, 1);
		break;
	case EBPFC_NV_ACCEPTED:
		value->inbound = 1;
		break;
	}
}

static __always_inline void nv_stash_sk(struct sock *sk)
{
	__u64 id, ptr = (__u64)sk;

	if (!ebpfc_nv_enabled)
		return;
	id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&tbl_nv_sk, &id, &ptr, BPF_ANY);
}

/* The socket nv_stash_sk saw at entry, or NULL; the stash entry is consumed. */
static __always_inline struct sock *nv_stashed_sk(void)
{
	__u64 id, *ptr;
	struct sock *sk;

	if (!ebpfc_nv_enabled)
		return NULL;
	id = bpf_get_current_pid_tgid();
	ptr = bpf_map_lookup_elem(&tbl_nv_sk, &id);
	if (!ptr)
		return NULL;
	sk = (struct sock *)*ptr;
	bpf_map_delete_elem(&tbl_nv_sk, &id);
	return sk;
}

/* ------------------------------------------------------------ trampoline */

/*
 * fexit programs read the return value with bpf_get_func_ret (5.17+): the
 * argument lists of inet_csk_accept and udp_recvmsg changed across versions,
 * and the helper finds the value whatever the arity.
 */

SEC("fexit/inet_csk_accept")
int BPF_PROG(trampoline_inet_csk_accept)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	if (ret) {
		ebpfc_count(&tbl_global_sock, EBPFC_SOCKET_INBOUND_TCP);
		nv_count((struct sock *)ret, EBPFC_NV_ACCEPTED, 0, 0);
	}
	return 0;
}

SEC("fentry/tcp_retransmit_skb")
int BPF_PROG(trampoline_tcp_retransmit_skb, struct sock *sk)
{
	count_retransmit(true);
	nv_count(sk, EBPFC_NV_RETRANSMIT, 0, 0);
	return 0;
}

SEC("fentry/tcp_cleanup_rbuf")
int BPF_PROG(trampoline_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	count_tcp_recv(copied, (__u64)copied);
	nv_count(sk, EBPFC_NV_RECV, copied, (__u64)copied);
	return 0;
}

SEC("fentry/tcp_close")
int BPF_PROG(trampoline_tcp_close)
{
	count_close(true);
	return 0;
}

/* The socket is the first argument of every version of these functions. */
SEC("fexit/udp_recvmsg")
int BPF_PROG(trampoline_udp_recvmsg, struct sock *sk)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	count_udp_recv((int)ret, (__u64)(int)ret);
	nv_count(sk, EBPFC_NV_RECV, (int)ret, (__u64)(int)ret);
	return 0;
}

SEC("fentry/tcp_sendmsg")
int BPF_PROG(trampoline_tcp_sendmsg_entry, struct sock *sk, struct msghdr *msg, size_t size)
{
	count_tcp_send(0, size);
	nv_count(sk, EBPFC_NV_SENT, 0, size);
	return 0;
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(trampoline_tcp_sendmsg_exit, struct sock *sk)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	count_tcp_send((int)ret, (__u64)(int)ret);
	nv_count(sk, EBPFC_NV_SENT, (int)ret, (__u64)(int)ret);
	return 0;
}

SEC("fentry/udp_sendmsg")
int BPF_PROG(trampoline_udp_sendmsg_entry, struct sock *sk, struct msghdr *msg, size_t len)
{
	count_udp_send(0, len);
	nv_count(sk, EBPFC_NV_SENT, 0, len);
	return 0;
}

SEC("fexit/udp_sendmsg")
int BPF_PROG(trampoline_udp_sendmsg_exit, struct sock *sk)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	count_udp_send((int)ret, (__u64)(int)ret);
	nv_count(sk, EBPFC_NV_SENT, (int)ret, (__u64)(int)ret);
	return 0;
}

SEC("fexit/tcp_v4_connect")
int BPF_PROG(trampoline_tcp_v4_connect)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	count_connect(false, false);
	if ((int)ret < 0)
		count_connect(false, true);
	return 0;
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(trampoline_tcp_v6_connect)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	count_connect(true, false);
	if ((int)ret < 0)
		count_connect(true, true);
	return 0;
}

/* ----------------------------------------------------------------- probe */

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(probe_inet_csk_accept, struct sock *sk)
{
	if (sk) {
		ebpfc_count(&tbl_global_sock, EBPFC_SOCKET_INBOUND_TCP);
		nv_count(sk, EBPFC_NV_ACCEPTED, 0, 0);
	}
	return 0;
}

SEC("kprobe/tcp_retransmit_skb")
int BPF_KPROBE(probe_tcp_retransmit_skb, struct sock *sk)
{
	count_retransmit(true);
	nv_count(sk, EBPFC_NV_RETRANSMIT, 0, 0);
	return 0;
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(probe_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	count_tcp_recv(copied, (__u64)copied);
	nv_count(sk, EBPFC_NV_RECV, copied, (__u64)copied);
	return 0;
}

SEC("kprobe/tcp_close")
int BPF_KPROBE(probe_tcp_close)
{
	count_close(true);
	return 0;
}

/*
 * Network viewer only: keep the socket of udp_recvmsg (both load modes) and
 * of tcp_sendmsg/udp_sendmsg (return mode) for their kretprobes.
 */
#define EBPFC_NV_STASH_PROGRAM(fn)                               \
	SEC("kprobe/" #fn)                                       \
	int BPF_KPROBE(probe_nv_stash_##fn, struct sock *sk)     \
	{                                                        \
		nv_stash_sk(sk);                                 \
		return 0;                                        \
	}

EBPFC_NV_STASH_PROGRAM(udp_recvmsg)
EBPFC_NV_STASH_PROGRAM(tcp_sendmsg)
EBPFC_NV_STASH_PROGRAM(udp_sendmsg)

SEC("kretprobe/udp_recvmsg")
int BPF_KRETPROBE(probe_udp_recvmsg, int ret)
{
	count_udp_recv(ret, (__u64)ret);
	nv_count(nv_stashed_sk(), EBPFC_NV_RECV, ret, (__u64)ret);
	return 0;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(probe_tcp_sendmsg_entry, struct sock *sk, struct msghdr *msg, size_t size)
{
	count_tcp_send(0, size);
	nv_count(sk, EBPFC_NV_SENT, 0, size);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(probe_tcp_sendmsg_exit, int ret)
{
	count_tcp_send(ret, (__u64)ret);
	nv_count(nv_stashed_sk(), EBPFC_NV_SENT, ret, (__u64)ret);
	return 0;
}

SEC("kprobe/udp_sendmsg")
int BPF_KPROBE(probe_udp_sendmsg_entry, struct sock *sk, struct msghdr *msg, size_t len)
{
	count_udp_send(0, len);
	nv_count(sk, EBPFC_NV_SENT, 0, len);
	return 0;
}

SEC("kretprobe/udp_sendmsg")
int BPF_KRETPROBE(probe_udp_sendmsg_exit, int ret)
{
	count_udp_send(ret, (__u64)ret);
	nv_count(nv_stashed_sk(), EBPFC_NV_SENT, ret, (__u64)ret);
	return 0;
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(probe_tcp_v4_connect_entry)
{
	count_connect(false, false);
	return 0;
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(probe_tcp_v4_connect_exit, int ret)
{
	count_connect(false, false);
	if (ret < 0)
		count_connect(false, true);
	return 0;
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(probe_tcp_v6_connect_entry)
{
	count_connect(true, false);
	return 0;
}

SEC("kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(probe_tcp_v6_connect_exit, int ret)
{
	count_connect(true, false);
	if (ret < 0)
		count_connect(true, true);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

static __always_inline bool is_inet(__u16 family)
{
	return family == EBPFC_AF_INET || family == EBPFC_AF_INET6;
}

/*
 * One send or receive of an inet socket whose protocol is `protocol`: TCP
 * and UDP(-Lite) count, anything else (raw, SCTP, MPTCP...) not. `btf`: a
 * tp_btf program (see pid_key_current).
 */
static __always_inline void sock_length(struct sock *sk, __u16 protocol, bool recv, int ret, __u64 bytes, bool btf)
{
	if (protocol == EBPFC_IPPROTO_TCP)
		count_io(recv ? EBPFC_SOCKET_CALLS_TCP_RECV : EBPFC_SOCKET_CALLS_TCP_SENDMSG, bytes, ret,
			 recv ? EBPFC_PID_TCP_RECEIVED : EBPFC_PID_TCP_SENT, btf);
	else if (is_udp(protocol))
		count_io(recv ? EBPFC_SOCKET_CALLS_UDP_RECVMSG : EBPFC_SOCKET_CALLS_UDP_SENDMSG, bytes, ret,
			 recv ? EBPFC_PID_UDP_RECEIVED : EBPFC_PID_UDP_SENT, btf);
	else
		return;
	nv_count(sk, recv ? EBPFC_NV_RECV : EBPFC_NV_SENT, ret, bytes);
}

/* Peeked bytes stay queued and are counted when really read. */
static __always_inline __u64 recv_bytes(int ret, int flags)
{
	return (flags & EBPFC_MSG_PEEK) ? 0 : (__u64)ret;
}

/*
 * sock_send_length / sock_recv_length (sk, ret, flags) fire in sock_sendmsg
 * / sock_recvmsg (6.3+) for every socket family, in the calling process;
 * UNIX-socket traffic passes through the same hooks and leaves at the family
 * test. Each comes as three programs; user space loads the first the kernel
 * supports (a typed hook of the kit's planTracepointHooks):
 *   _tp_btf  BTF-typed socket: family and protocol are plain loads, CO-RE
 *            relocated (sk_protocol is a plain u16 since 5.6, long before
 *            these events);
 *   _raw_tp  the same arguments as u64: a probe read each, which made a run
 *            about 1.5x dearer (323-344 against 175-239 ns here,
 *            bench/event-limits.mjs socket-bpf, session 7);
 *   (none)   the perf event, reading the record's copies of them.
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(tracepoint_sock_send_length_tp_btf, struct sock *sk, int ret, int flags)
{
	if (is_inet(sk->__sk_common.skc_family))
		sock_length(sk, sk->sk_protocol, false, ret, (__u64)ret, true);
	return 0;
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(tracepoint_sock_send_length_raw_tp, struct sock *sk, int ret, int flags)
{
	if (is_inet(BPF_CORE_READ(sk, __sk_common.skc_family)))
		sock_length(sk, BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol), false, ret, (__u64)ret, false);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int tracepoint_sock_send_length(struct trace_event_raw_sock_msg_length *ctx)
{
	if (is_inet(ctx->family))
		sock_length((struct sock *)ctx->sk, ctx->protocol, false, ctx->ret, (__u64)ctx->ret, false);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tracepoint_sock_recv_length_tp_btf, struct sock *sk, int ret, int flags)
{
	if (is_inet(sk->__sk_common.skc_family))
		sock_length(sk, sk->sk_protocol, true, ret, recv_bytes(ret, flags), true);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(tracepoint_sock_recv_length_raw_tp, struct sock *sk, int ret, int flags)
{
	if (is_inet(BPF_CORE_READ(sk, __sk_common.skc_family)))
		sock_length(sk, BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol), true, ret, recv_bytes(ret, flags), false);
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int tracepoint_sock_recv_length(struct trace_event_raw_sock_msg_length *ctx)
{
	if (is_inet(ctx->family))
		sock_length((struct sock *)ctx->sk, ctx->protocol, true, ctx->ret, recv_bytes(ctx->ret, ctx->flags), false);
	return 0;
}

/*
 * inet_sock_set_state(sk, oldstate, newstate). CLOSE -> SYN_SENT is set
 * inside tcp_v4_connect / tcp_v6_connect, in the connecting process: one
 * outbound attempt, keyed to it. SYN_SENT -> CLOSE is an attempt that failed
 * (refused, timed out, unreachable, aborted); it usually runs in softirq, so
 * it is only counted host-wide. Every other change (five of a connection's
 * six) counts nothing, so the states are tested before the socket is read.
 * Three programs as for the length events; the tp_btf twin reads sk_protocol
 * as a bitfield (it was one before 5.6, and tp_btf is 5.5+), with plain
 * loads all the same.
 */
static __always_inline bool connect_change(int oldstate, int newstate)
{
	return (oldstate == EBPFC_TCP_CLOSE && newstate == EBPFC_TCP_SYN_SENT) ||
	       (oldstate == EBPFC_TCP_SYN_SENT && newstate == EBPFC_TCP_CLOSE);
}

/* A change connect_change accepted, of a TCP socket. */
static __always_inline void count_connect_change(bool v6, int newstate, bool btf)
{
	count_connect_as(v6, newstate == EBPFC_TCP_CLOSE, btf);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tracepoint_inet_sock_set_state_tp_btf, const struct sock *sk, int oldstate, int newstate)
{
	if (connect_change(oldstate, newstate) && BPF_CORE_READ_BITFIELD(sk, sk_protocol) == EBPFC_IPPROTO_TCP)
		count_connect_change(sk->__sk_common.skc_family == EBPFC_AF_INET6, newstate, true);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(tracepoint_inet_sock_set_state_raw_tp, const struct sock *sk, int oldstate, int newstate)
{
	if (connect_change(oldstate, newstate) && BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == EBPFC_IPPROTO_TCP)
		count_connect_change(BPF_CORE_READ(sk, __sk_common.skc_family) == EBPFC_AF_INET6, newstate, false);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tracepoint_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (connect_change(ctx->oldstate, ctx->newstate) && ctx->protocol == EBPFC_IPPROTO_TCP)
		count_connect_change(ctx->family == EBPFC_AF_INET6, ctx->newstate, false);
	return 0;
}

/*
 * The head of tcp:tcp_retransmit_skb's record, the same on every kernel
 * since 4.16; BTF names the whole struct differently across versions
 * (trace_event_raw_tcp_event_sk_skb, later trace_event_raw_tcp_retransmit_skb),
 * so it is declared here without CO-RE.
 */
struct ebpfc_tcp_retransmit_skb_head {
	__u64 common;             /* struct trace_entry */
	const void *skbaddr;
	const void *skaddr;
};

/* Retransmits run from timers and ACK processing: no process owns them. */
SEC("tracepoint/tcp/tcp_retransmit_skb")
int tracepoint_tcp_retransmit_skb(struct ebpfc_tcp_retransmit_skb_head *ctx)
{
	count_retransmit(false);
	nv_count((struct sock *)ctx->skaddr, EBPFC_NV_RETRANSMIT, 0, 0);
	return 0;
}

/* Once per TCP socket destroyed, often after the owner closed it (softirq). */
SEC("tracepoint/tcp/tcp_destroy_sock")
int tracepoint_tcp_destroy_sock(void *ctx)
{
	count_close(false);
	return 0;
}

/*
 * The same two events through their raw tracepoints (tp_btf, else raw_tp;
 * the `tracepoint/` programs above are the fallback), reading from the
 * arguments what the record above holds; neither reads the socket but for
 * the network viewer:
 *   tcp_retransmit_skb(const struct sock *sk, const struct sk_buff *skb, ...):
 *     the record's skaddr is sk;
 *   tcp_destroy_sock(struct sock *sk).
 */
static __always_inline void tcp_retransmit_skb_args(const __u64 *args)
{
	count_retransmit(false);
	nv_count((struct sock *)args[0], EBPFC_NV_RETRANSMIT, 0, 0);
}

static __always_inline void tcp_destroy_sock_args(const __u64 *args)
{
	count_close(false);
}

EBPFC_TRACEPOINT_PROGRAMS(tracepoint_tcp_retransmit_skb, tcp_retransmit_skb, tcp_retransmit_skb_args)
EBPFC_TRACEPOINT_PROGRAMS(tracepoint_tcp_destroy_sock, tcp_destroy_sock, tcp_destroy_sock_args)

/*
 * The AF_INET/AF_INET6 socket behind one of the current task's fds, or NULL
 * (not an fd, not a socket, another family). `fd` may come straight from user
 * space, so it is checked against the table's size, and the inode must be a
 * socket before private_data is read as one.
 */
static __always_inline struct sock *inet_sock_of_fd(long fd)
{
	struct task_struct *task;
	struct fdtable *fdt;
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (fd < 0)
		return NULL;
	task = (struct task_struct *)bpf_get_current_task();
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & EBPFC_S_IFMT) != EBPFC_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != EBPFC_AF_INET && family != EBPFC_AF_INET6)
		return NULL;
	return sk;
}

/*
 * accept/accept4 return a new socket fd: count it when it is a TCP socket
 * (TCP listeners are what inet_csk_accept serves).
 */
static __always_inline void count_accept(long fd)
{
	struct sock *sk = inet_sock_of_fd(fd);

	if (sk && BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == EBPFC_IPPROTO_TCP) {
		ebpfc_count(&tbl_global_sock, EBPFC_SOCKET_INBOUND_TCP);
		nv_count(sk, EBPFC_NV_ACCEPTED, 0, 0);
	}
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tracepoint_sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	count_accept(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tracepoint_sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	count_accept(ctx->ret);
	return 0;
}

/*
 * The same two exits from one program on the generic syscall exit
 * (tp_btf, else raw_tp), chosen when another collector of the plugin
 * already has a program there: no perf-event links to tear down.
 */
static __always_inline void socket_syscall_exit(long id, long ret, struct pt_regs *regs)
{
	if (id != EBPFC_NR_accept && id != EBPFC_NR_accept4)
		return;
	if (ebpfc_syscall_compat())
		return;
	count_accept(ret);
}

EBPFC_SYSCALL_EXIT_PROGRAMS(tracepoint_syscall_exit, socket_syscall_exit)

/*
 * Before 6.3 there is no sock_send_length / sock_recv_length: the family
 * counts the socket I/O syscalls instead (read, readv, recvfrom, recvmsg,
 * recvmmsg, write, writev, sendto, sendmsg, sendmmsg). The enter program
 * notes that the thread's fd is a TCP or UDP inet socket; the exit program
 * counts the call with what it returned, as the sock_*_length hooks do.
 * Socket I/O without these syscalls (sendfile, splice, io_uring, kernel
 * sockets) is not seen. Each enter program serves the syscalls whose
 * arguments sit in the same places; one exit program serves all of them.
 */
/*
 * struct mmsghdr as user space lays it out (user ABI, so no CO-RE access:
 * this type carries no preserve_access_index).
 */
struct ebpfc_user_mmsghdr {
	struct user_msghdr msg_hdr;
	__u32 msg_len;
};

static __always_inline void sock_io_enter(long fd, bool recv, __u64 flags, __u64 mmsg)
{
	struct ebpfc_sock_io io = {};
	struct sock *sk = inet_sock_of_fd(fd);
	__u16 protocol;
	__u64 id;

	if (!sk)
		return;
	protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (protocol == EBPFC_IPPROTO_TCP)
		io.tcp = 1;
	else if (!is_udp(protocol))
		return;
	io.recv = recv;
	io.peek = recv && (flags & EBPFC_MSG_PEEK);
	io.mmsg = mmsg;
	io.sk = (__u64)sk;
	id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&tbl_sock_io, &id, &io, BPF_ANY);
}

/* write(fd, buf, n), writev(fd, iov, n), sendto(fd, ...), sendmsg(fd, ...) */
SEC("tracepoint/syscalls/sys_enter_write")
int tracepoint_sys_enter_sock_send(struct trace_event_raw_sys_enter *ctx)
{
	sock_io_enter(ctx->args[0], false, 0, 0);
	return 0;
}

/* sendmmsg(fd, struct mmsghdr *vec, vlen, flags) */
SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int tracepoint_sys_enter_sock_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	sock_io_enter(ctx->args[0], false, 0, ctx->args[1]);
	return 0;
}

/* read(fd, buf, n), readv(fd, iov, n): no flags */
SEC("tracepoint/syscalls/sys_enter_read")
int tracepoint_sys_enter_sock_read(struct trace_event_raw_sys_enter *ctx)
{
	sock_io_enter(ctx->args[0], true, 0, 0);
	return 0;
}

/* recvfrom(fd, buf, n, flags, addr, addrlen) */
SEC("tracepoint/syscalls/sys_enter_recvfrom")
int tracepoint_sys_enter_sock_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	sock_io_enter(ctx->args[0], true, ctx->args[3], 0);
	return 0;
}

/* recvmsg(fd, msg, flags) */
SEC("tracepoint/syscalls/sys_enter_recvmsg")
int tracepoint_sys_enter_sock_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	sock_io_enter(ctx->args[0], true, ctx->args[2], 0);
	return 0;
}

/* recvmmsg(fd, struct mmsghdr *vec, vlen, flags, timeout) */
SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int tracepoint_sys_enter_sock_recvmmsg(struct trace_event_raw_sys_enter *ctx)
{
	sock_io_enter(ctx->args[0], true, ctx->args[3], ctx->args[1]);
	return 0;
}

static __always_inline void sock_io_count(const struct ebpfc_sock_io *io, long ret, __u64 bytes)
{
	if (io->peek)
		bytes = 0;
	nv_count((struct sock *)io->sk, io->recv ? EBPFC_NV_RECV : EBPFC_NV_SENT, ret, bytes);
	if (io->tcp) {
		if (io->recv)
			count_tcp_recv(ret, bytes);
		else
			count_tcp_send(ret, bytes);
	} else {
		if (io->recv)
			count_udp_recv(ret, bytes);
		else
			count_udp_send(ret, bytes);
	}
}

SEC("tracepoint/syscalls/sys_exit_write")
int tracepoint_sys_exit_sock_io(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ebpfc_sock_io *found = bpf_map_lookup_elem(&tbl_sock_io, &id);
	struct ebpfc_sock_io io;
	long ret = ctx->ret;
	__u32 calls;
	long i;

	if (!found)
		return 0;
	io = *found;
	bpf_map_delete_elem(&tbl_sock_io, &id);
	if (!io.mmsg || ret <= 0) {
		sock_io_count(&io, ret, (__u64)ret);
		return 0;
	}
	/*
	 * sendmmsg/recvmmsg return how many messages went through; each one's
	 * bytes are in its msg_len.
	 */
#pragma clang loop unroll(disable)
	for (i = 0; i < EBPFC_MMSG_MAX; i++) {
		__u32 len = 0;
		struct ebpfc_user_mmsghdr *m = (struct ebpfc_user_mmsghdr *)io.mmsg + i;

		if (i >= ret)
			break;
		bpf_probe_read_user(&len, sizeof(len), &m->msg_len);
		sock_io_count(&io, len, len);
	}
	if (ret > EBPFC_MMSG_MAX) {
		calls = io.tcp ? (io.recv ? EBPFC_SOCKET_CALLS_TCP_RECV : EBPFC_SOCKET_CALLS_TCP_SENDMSG)
			       : (io.recv ? EBPFC_SOCKET_CALLS_UDP_RECVMSG : EBPFC_SOCKET_CALLS_UDP_SENDMSG);
		ebpfc_count_n(&tbl_global_sock, calls, ret - EBPFC_MMSG_MAX);
	}
	return 0;
}
