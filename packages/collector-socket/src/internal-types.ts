/**
 * Numbers and names shared with bpf/socket.bpf.c and bpf/socket.h: lanes,
 * layouts, maps and globals come from src/generated/socket.ts, which the
 * build generates from the header and the object. What is left here is the
 * collector's own choice of hooks. Not exported.
 */
import type { AttachMode } from '@ebpf-collectors/core';
import {
  EBPFC_AF_INET,
  EBPFC_AF_INET6,
  EBPFC_IPPROTO_TCP,
  EBPFC_IPPROTO_UDP,
  EBPFC_SOCKET_COUNTERS,
  NV_VALUE_LANES,
  NvKeyLayout,
  NvValueLane,
  SOCKET_PID_STAT_LANES,
  SocketCounter,
  SocketPidStatLane,
  type ConstGlobalName,
  type MapName,
} from './generated/socket.js';

const C = SocketCounter;

/** Lanes of `tbl_global_sock` (`enum ebpfc_socket_counter`), under the collector's names. */
export const COUNTER = {
  callsTcpSend: C.callsTcpSendmsg,
  errorTcpSend: C.errorTcpSendmsg,
  bytesTcpSend: C.bytesTcpSendmsg,
  callsTcpRecv: C.callsTcpRecv,
  errorTcpRecv: C.errorTcpRecv,
  bytesTcpRecv: C.bytesTcpRecv,
  callsTcpClose: C.callsTcpClose,
  callsUdpRecv: C.callsUdpRecvmsg,
  errorUdpRecv: C.errorUdpRecvmsg,
  bytesUdpRecv: C.bytesUdpRecvmsg,
  callsUdpSend: C.callsUdpSendmsg,
  errorUdpSend: C.errorUdpSendmsg,
  bytesUdpSend: C.bytesUdpSendmsg,
  tcpRetransmit: C.tcpRetransmit,
  callsConnectV4: C.callsConnectV4,
  errorConnectV4: C.errorConnectV4,
  callsConnectV6: C.callsConnectV6,
  errorConnectV6: C.errorConnectV6,
  inboundTcp: C.inboundTcp,
  inboundUdp: C.inboundUdp,
} as const;

/** `EBPFC_SOCKET_COUNTERS`. */
export const COUNTER_LANES = EBPFC_SOCKET_COUNTERS;

/** Lanes of a `tbl_bandwidth` value (`struct ebpfc_socket_pid_stat`, all u64), under the collector's names. */
export const PID_LANE = {
  bytesSent: SocketPidStatLane.bytesSent,
  bytesReceived: SocketPidStatLane.bytesReceived,
  callTcpSent: SocketPidStatLane.callTcpSent,
  callTcpReceived: SocketPidStatLane.callTcpReceived,
  retransmit: SocketPidStatLane.retransmit,
  callUdpSent: SocketPidStatLane.callUdpSent,
  callUdpReceived: SocketPidStatLane.callUdpReceived,
  callClose: SocketPidStatLane.callClose,
  connectV4: SocketPidStatLane.callTcpV4Connection,
  connectV6: SocketPidStatLane.callTcpV6Connection,
} as const;

/** Number of u64 fields of `struct ebpfc_socket_pid_stat`. */
export const PID_LANES = SOCKET_PID_STAT_LANES;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  totals: 'tbl_global_sock',
  pids: 'tbl_bandwidth',
  /** Socket syscalls in flight (tracepoint family before 6.3). */
  sockIo: 'tbl_sock_io',
  /** Network viewer: per-socket totals, IPv4 (`struct ebpfc_nv_key` -> `struct ebpfc_nv_value`). */
  connV4: 'tbl_conn_ipv4',
  /** Network viewer: per-socket totals, IPv6. */
  connV6: 'tbl_conn_ipv6',
  /** Network viewer: the socket of a kprobe'd call, for its kretprobe. */
  nvSocket: 'tbl_nv_sk',
} as const satisfies Record<string, MapName>;

const K = NvKeyLayout.fields;

/** `struct ebpfc_nv_key`: byte offsets and size. */
export const NV_KEY = {
  laddr: K.laddr.offset,
  raddr: K.raddr.offset,
  lport: K.lport.offset,
  rport: K.rport.offset,
  family: K.family.offset,
  protocol: K.protocol.offset,
  size: NvKeyLayout.size,
} as const;

/** u64 lanes of `struct ebpfc_nv_value`. */
export const NV_LANE = NvValueLane;

/** Number of u64 fields of `struct ebpfc_nv_value`. */
export const NV_LANES = NV_VALUE_LANES;

/** `AF_INET`, `AF_INET6` as the key's `family` holds them. */
export const AF = { inet: EBPFC_AF_INET, inet6: EBPFC_AF_INET6 } as const;

/** `IPPROTO_TCP`, `IPPROTO_UDP` as the key's `protocol` holds them. */
export const IPPROTO = { tcp: EBPFC_IPPROTO_TCP, udp: EBPFC_IPPROTO_UDP } as const;

/** `const volatile` globals (bpf/include/ebpfc_pid.h and socket.bpf.c), checked against the object's BTF. */
export const GLOBAL = {
  collectPid: 'ebpfc_collect_pid',
  appsEnabled: 'ebpfc_apps_enabled',
  pidPerCpu: 'ebpfc_pid_per_cpu',
  /** `network connections = yes`: keep the per-socket tables. */
  nvEnabled: 'ebpfc_nv_enabled',
} as const satisfies Record<string, ConstGlobalName>;

/** Program name prefix of each attach mode's family. */
export const FAMILY_PREFIX: Readonly<Record<AttachMode, string>> = {
  trampoline: 'trampoline_',
  probe: 'probe_',
  tracepoint: 'tracepoint_',
};

/** How a trampoline or probe program hooks its function. */
export interface FunctionHook {
  /** Program name in the object. */
  readonly program: string;
  /** Kernel function. */
  readonly fn: string;
  /** kretprobe (probe mode only; trampolines say fentry/fexit in their section). */
  readonly retprobe?: boolean;
  /** Load mode the program belongs to; absent: both. */
  readonly loadMode?: 'entry' | 'return';
  /** The mode still works without it (tcp_v6_connect lives in the ipv6 module). */
  readonly optional?: boolean;
  /** Loaded only for the per-connection charts (`network connections = yes`). */
  readonly networkViewer?: boolean;
}

/** Trampoline programs (fentry/fexit), Netdata's function set. */
export const TRAMPOLINE_HOOKS: ReadonlyArray<FunctionHook> = [
  { program: 'trampoline_inet_csk_accept', fn: 'inet_csk_accept' },
  { program: 'trampoline_tcp_retransmit_skb', fn: 'tcp_retransmit_skb' },
  { program: 'trampoline_tcp_cleanup_rbuf', fn: 'tcp_cleanup_rbuf' },
  { program: 'trampoline_tcp_close', fn: 'tcp_close' },
  { program: 'trampoline_udp_recvmsg', fn: 'udp_recvmsg' },
  { program: 'trampoline_tcp_sendmsg_entry', fn: 'tcp_sendmsg', loadMode: 'entry' },
  { program: 'trampoline_tcp_sendmsg_exit', fn: 'tcp_sendmsg', loadMode: 'return' },
  { program: 'trampoline_udp_sendmsg_entry', fn: 'udp_sendmsg', loadMode: 'entry' },
  { program: 'trampoline_udp_sendmsg_exit', fn: 'udp_sendmsg', loadMode: 'return' },
  { program: 'trampoline_tcp_v4_connect', fn: 'tcp_v4_connect' },
  { program: 'trampoline_tcp_v6_connect', fn: 'tcp_v6_connect', optional: true },
];

/** Probe programs (kprobe/kretprobe), Netdata's function set. */
export const PROBE_HOOKS: ReadonlyArray<FunctionHook> = [
  { program: 'probe_inet_csk_accept', fn: 'inet_csk_accept', retprobe: true },
  { program: 'probe_tcp_retransmit_skb', fn: 'tcp_retransmit_skb' },
  { program: 'probe_tcp_cleanup_rbuf', fn: 'tcp_cleanup_rbuf' },
  { program: 'probe_tcp_close', fn: 'tcp_close' },
  { program: 'probe_udp_recvmsg', fn: 'udp_recvmsg', retprobe: true },
  { program: 'probe_tcp_sendmsg_entry', fn: 'tcp_sendmsg', loadMode: 'entry' },
  { program: 'probe_tcp_sendmsg_exit', fn: 'tcp_sendmsg', retprobe: true, loadMode: 'return' },
  { program: 'probe_udp_sendmsg_entry', fn: 'udp_sendmsg', loadMode: 'entry' },
  { program: 'probe_udp_sendmsg_exit', fn: 'udp_sendmsg', retprobe: true, loadMode: 'return' },
  { program: 'probe_tcp_v4_connect_entry', fn: 'tcp_v4_connect', loadMode: 'entry' },
  { program: 'probe_tcp_v4_connect_exit', fn: 'tcp_v4_connect', retprobe: true, loadMode: 'return' },
  { program: 'probe_tcp_v6_connect_entry', fn: 'tcp_v6_connect', loadMode: 'entry', optional: true },
  { program: 'probe_tcp_v6_connect_exit', fn: 'tcp_v6_connect', retprobe: true, loadMode: 'return', optional: true },
  { program: 'probe_nv_stash_udp_recvmsg', fn: 'udp_recvmsg', networkViewer: true },
  { program: 'probe_nv_stash_tcp_sendmsg', fn: 'tcp_sendmsg', loadMode: 'return', networkViewer: true },
  { program: 'probe_nv_stash_udp_sendmsg', fn: 'udp_sendmsg', loadMode: 'return', networkViewer: true },
];

/** How a tracepoint-mode program attaches. */
export interface TracepointHook {
  readonly program: string;
  readonly category: string;
  readonly event: string;
  /** `raw_tp` (by event name) instead of `tracepoint/` (by category and event). */
  readonly raw?: boolean;
  /** The mode still works without it (accept(2) is missing on some architectures). */
  readonly optional?: boolean;
  /** Has `<program>_tp_btf` and `<program>_raw_tp` twins, preferred where the kernel has them (the kit's `tracepointKind`). */
  readonly typed?: boolean;
}

/**
 * Tracepoint programs the tracepoint family always loads; every one loads in
 * both load modes (errors come from the same `ret`).
 */
export const TRACEPOINT_HOOKS: ReadonlyArray<TracepointHook> = [
  { program: 'tracepoint_inet_sock_set_state', category: 'sock', event: 'inet_sock_set_state', typed: true },
  { program: 'tracepoint_tcp_retransmit_skb', category: 'tcp', event: 'tcp_retransmit_skb', typed: true },
  { program: 'tracepoint_tcp_destroy_sock', category: 'tcp', event: 'tcp_destroy_sock', typed: true },
];

/**
 * accept(2)/accept4(2) exits as per-syscall tracepoints; the generic
 * `sys_exit` program {@link ACCEPT_SYSCALL_EXIT_PROGRAM} serves both instead
 * where the kit's `planSyscallExit` chooses it.
 */
export const ACCEPT_HOOKS: ReadonlyArray<TracepointHook> = [
  { program: 'tracepoint_sys_exit_accept', category: 'syscalls', event: 'sys_exit_accept', optional: true },
  { program: 'tracepoint_sys_exit_accept4', category: 'syscalls', event: 'sys_exit_accept4' },
];

/** Name given to `EBPFC_SYSCALL_EXIT_PROGRAMS` in bpf/socket.bpf.c (accept and accept4 by syscall id). */
export const ACCEPT_SYSCALL_EXIT_PROGRAM = 'tracepoint_syscall_exit';

/**
 * Socket I/O (calls, bytes, errors) from the two `sock` length tracepoints, Linux 6.3+: typed, so tp_btf (the socket's
 * family and protocol by plain loads) where the kernel has it, else raw_tp (probe reads), else the perf event.
 */
export const SOCK_LENGTH_HOOKS: ReadonlyArray<TracepointHook> = [
  { program: 'tracepoint_sock_send_length', category: 'sock', event: 'sock_send_length', typed: true },
  { program: 'tracepoint_sock_recv_length', category: 'sock', event: 'sock_recv_length', typed: true },
];

/**
 * Socket I/O from the syscalls, where {@link SOCK_LENGTH_HOOKS} do not exist:
 * an enter program per argument layout and one exit program, each attached
 * to several events (write and read are required, the rest exist on every
 * architecture Linux builds syscall tracepoints for, but are not assumed).
 */
export const SYSCALL_IO_HOOKS: ReadonlyArray<TracepointHook> = [
  ...['write', 'writev', 'sendto', 'sendmsg'].map((call) => ({
    program: 'tracepoint_sys_enter_sock_send',
    category: 'syscalls',
    event: `sys_enter_${call}`,
    optional: call !== 'write',
  })),
  { program: 'tracepoint_sys_enter_sock_sendmmsg', category: 'syscalls', event: 'sys_enter_sendmmsg', optional: true },
  ...['read', 'readv'].map((call) => ({
    program: 'tracepoint_sys_enter_sock_read',
    category: 'syscalls',
    event: `sys_enter_${call}`,
    optional: call !== 'read',
  })),
  { program: 'tracepoint_sys_enter_sock_recvfrom', category: 'syscalls', event: 'sys_enter_recvfrom', optional: true },
  { program: 'tracepoint_sys_enter_sock_recvmsg', category: 'syscalls', event: 'sys_enter_recvmsg', optional: true },
  { program: 'tracepoint_sys_enter_sock_recvmmsg', category: 'syscalls', event: 'sys_enter_recvmmsg', optional: true },
  ...['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg', 'read', 'readv', 'recvfrom', 'recvmsg', 'recvmmsg'].map((call) => ({
    program: 'tracepoint_sys_exit_sock_io',
    category: 'syscalls',
    event: `sys_exit_${call}`,
    optional: call !== 'write' && call !== 'read',
  })),
];
