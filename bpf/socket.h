/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Layouts shared by socket.bpf.c and the TypeScript side
 * (the build generates packages/collector-socket/src/generated/socket.ts from this header
 * and the object: nothing here is copied by hand).
 */
#ifndef EBPFC_SOCKET_H
#define EBPFC_SOCKET_H

/*
 * Lanes of tbl_global_sock (one u64 per lane, per CPU). The first 18 follow
 * Netdata's tbl_global_sock order; the inbound lanes replace its per-port
 * tbl_lports counters, which the host chart only ever summed.
 */
enum ebpfc_socket_counter {
	EBPFC_SOCKET_CALLS_TCP_SENDMSG = 0,
	EBPFC_SOCKET_ERROR_TCP_SENDMSG = 1,
	EBPFC_SOCKET_BYTES_TCP_SENDMSG = 2,
	EBPFC_SOCKET_CALLS_TCP_RECV = 3,   /* tcp_cleanup_rbuf / TCP sock_recv_length */
	EBPFC_SOCKET_ERROR_TCP_RECV = 4,
	EBPFC_SOCKET_BYTES_TCP_RECV = 5,
	EBPFC_SOCKET_CALLS_TCP_CLOSE = 6,
	EBPFC_SOCKET_CALLS_UDP_RECVMSG = 7,
	EBPFC_SOCKET_ERROR_UDP_RECVMSG = 8,
	EBPFC_SOCKET_BYTES_UDP_RECVMSG = 9,
	EBPFC_SOCKET_CALLS_UDP_SENDMSG = 10,
	EBPFC_SOCKET_ERROR_UDP_SENDMSG = 11,
	EBPFC_SOCKET_BYTES_UDP_SENDMSG = 12,
	EBPFC_SOCKET_TCP_RETRANSMIT = 13,
	EBPFC_SOCKET_CALLS_CONNECT_V4 = 14,
	EBPFC_SOCKET_ERROR_CONNECT_V4 = 15,
	EBPFC_SOCKET_CALLS_CONNECT_V6 = 16,
	EBPFC_SOCKET_ERROR_CONNECT_V6 = 17,
	EBPFC_SOCKET_INBOUND_TCP = 18,     /* connections accepted on TCP listeners */
	EBPFC_SOCKET_INBOUND_UDP = 19,     /* kept for the chart's dimension; UDP has no accept */
	EBPFC_SOCKET_COUNTERS = 20,
};

/*
 * Value of tbl_bandwidth, keyed by a u32 tgid chosen by `collect pid`. Only
 * u64 fields, so per-CPU copies sum lane by lane. Lane order = field order,
 * Netdata's ebpf_socket_publish_apps_t order.
 */
struct ebpfc_socket_pid_stat {
	__u64 bytes_sent;        /* TCP + UDP bytes sent */
	__u64 bytes_received;    /* TCP + UDP bytes received */
	__u64 call_tcp_sent;
	__u64 call_tcp_received;
	__u64 retransmit;        /* not attributed in tracepoint mode (softirq) */
	__u64 call_udp_sent;
	__u64 call_udp_received;
	__u64 call_close;
	__u64 call_tcp_v4_connection;
	__u64 call_tcp_v6_connection;
};

/*
 * Network viewer ("network connections"): one entry per socket of tbl_conn_ipv4
 * or tbl_conn_ipv6, as both ends see it from this host. Addresses are in
 * network byte order (IPv4 in addr[0]); ports in host order. Only kept when
 * the `ebpfc_nv_enabled` global is set.
 */
struct ebpfc_nv_key {
	__u32 laddr[4];
	__u32 raddr[4];
	__u16 lport;
	__u16 rport;   /* 0: no remote (an unconnected UDP socket) */
	__u8 family;   /* AF_INET or AF_INET6 */
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP (UDP-Lite counts as UDP) */
	__u16 pad;
};

/* All u64, updated with atomic adds (the tables are shared by every CPU). */
struct ebpfc_nv_value {
	__u64 sent_bytes;
	__u64 recv_bytes;
	__u64 sent_packets;  /* successful send calls that moved bytes */
	__u64 recv_packets;  /* successful receive calls that moved bytes */
	__u64 retransmits;
	__u64 inbound;       /* 1: accepted on a listener here (set at accept) */
};

#endif /* EBPFC_SOCKET_H */
