/**
 * The socket collector's groups of bench/event-limits.mjs: what it adds per
 * UDP send+receive and per TCP connection over loopback, against minimal
 * programs doing its accounting (bench/bpf/socket_limits.bpf.c) on each
 * hook type and against bpftrace; the workload is bench/bpf/socket_loop.c.
 *
 * In tracepoint mode on this kernel (6.3+ has sock_send_length and
 * sock_recv_length) the collector attaches tp_btf sock_send_length,
 * sock_recv_length, inet_sock_set_state, tcp_retransmit_skb and
 * tcp_destroy_sock (the socket read with plain loads; raw_tp twins, probe
 * reads, where a kernel has no tp_btf), and the per-syscall tracepoints
 * syscalls/sys_exit_accept and sys_exit_accept4 (alone it keeps those: a generic sys_exit program of
 * its own would cost every other syscall more; collector.ts's
 * ACCEPT_EXIT_ORDER). Every minimal set loads a program for each of these
 * events, as the collector does, so the syscall-tracepoint flag that the
 * accept exits set on every task is in each configuration's cost:
 *   tracepoint  all seven on perf-event tracepoints (family, protocol and states from the records)
 *   raw_tp      raw_tp for the five events, accept on raw_tp/sys_exit (a switch on the syscall id)
 *   tp_btf      tp_btf for the five events (plain loads from the typed socket), accept on tp_btf/sys_exit
 *   tp_btf + tracepoint accept  the collector's hook layout with minimal bodies: tp_btf for
 *               the five events (plain loads), accept on syscalls/sys_exit_accept{,4} (until
 *               session 7 the collector had send and receive on raw_tp and read the socket with
 *               probe reads there and in its tp_btf inet_sock_set_state twin: its
 *               `raw_tp twins` row puts all five events on raw_tp)
 * Two measures, a group each per workload:
 *   socket, socket-tcp          the thread's CPU time per operation (the full cost: hook dispatch,
 *                               the syscall tracepoints' slow path, the bodies)
 *   socket-bpf, socket-tcp-bpf  the BPF programs' own run time per operation (kernel BPF stats,
 *                               socket_loop's *_bpf ops: bodies only, every CPU). A TCP connection
 *                               costs ~40 us of CPU here and its fastest batch moves by several us
 *                               from round to round with nothing attached, more than the 2-5 us
 *                               the programs add: its clock rows are noise, these are readable.
 *                               The generic sys_exit rows (raw_tp, tp_btf) also hold their runs on
 *                               every other process's syscalls during the batch.
 * SOCKET_LOOP_VERBOSE=1 on a *_bpf op prints each program's runs per operation and ns per run: how
 * the collector's bodies compare with the minimal ones, event by event.
 * The plugin runs as it ships (network connections off: the per-socket LRU
 * tables tbl_conn_ipv4/ipv6 are one entry and never written) and with
 * `network connections = yes`, where each send, receive and accept also
 * looks up (or inserts) the socket's entry, keyed by its addresses and
 * ports read from the sock, and adds to it with atomic adds.
 */

const programs = (hook) => {
  const events = ['send', 'recv', 'state', 'retrans', 'destroy'];
  if (hook === 'tracepoint') return [...events.map((e) => `sk_tp_${e}`), 'sk_tp_accept', 'sk_tp_accept4'];
  if (hook === 'raw_tp') return [...events.map((e) => `sk_raw_${e}`), 'sk_exit_raw_tp'];
  if (hook === 'tp_btf') return [...events.map((e) => `sk_btf_${e}`), 'sk_exit_tp_btf'];
  return [...events.map((e) => `sk_btf_${e}`), 'sk_tp_accept', 'sk_tp_accept4'];
};

const MINIMAL = [
  { hook: 'tracepoint', label: 'tracepoint x7 (5 events + sys_exit_accept{,4})', programs: programs('tracepoint') },
  { hook: 'raw_tp', label: 'raw_tp x5 + raw_tp/sys_exit', programs: programs('raw_tp') },
  { hook: 'tp_btf', label: 'tp_btf x5 + tp_btf/sys_exit', programs: programs('tp_btf') },
  { hook: 'tp_btf+tracepoint', label: 'tp_btf x5 + sys_exit_accept{,4} (its hooks)', programs: programs('mixed') },
];

const PLUGIN = [
  { label: 'as it ships (tp_btf send/recv/state/retransmit/destroy, sys_exit_accept{,4})' },
  { label: 'raw_tp twins (as before)', env: { EBPFC_TRACEPOINT_HOOK: 'raw_tp' } },
  { label: 'network connections = yes (per-socket tables)', programs: { 'network connections': 'yes' } },
];

const INET = '(args->family == 2 || args->family == 10)';
const TCP_OR_UDP = '(args->protocol == 6 || args->protocol == 17 || args->protocol == 136)';

/** The collector's count on the same tracepoints: host-wide lanes, and per PID what it keeps per PID. */
const BPFTRACE = `
tracepoint:sock:sock_send_length /${INET} && ${TCP_OR_UDP}/ {
  if (args->protocol == 6) {
    @tcp_send = count();
    if (args->ret < 0) { @tcp_send_err = count(); } else { @tcp_send_bytes = sum(args->ret); @pid_tcp_send[pid] = count(); @pid_bytes_sent[pid] = sum(args->ret); }
  } else {
    @udp_send = count();
    if (args->ret < 0) { @udp_send_err = count(); } else { @udp_send_bytes = sum(args->ret); @pid_udp_send[pid] = count(); @pid_bytes_sent[pid] = sum(args->ret); }
  }
}
tracepoint:sock:sock_recv_length /${INET} && ${TCP_OR_UDP}/ {
  $bytes = (args->flags & 2) ? 0 : args->ret;
  if (args->protocol == 6) {
    @tcp_recv = count();
    if (args->ret < 0) { @tcp_recv_err = count(); } else { @tcp_recv_bytes = sum($bytes); @pid_tcp_recv[pid] = count(); @pid_bytes_recv[pid] = sum($bytes); }
  } else {
    @udp_recv = count();
    if (args->ret < 0) { @udp_recv_err = count(); } else { @udp_recv_bytes = sum($bytes); @pid_udp_recv[pid] = count(); @pid_bytes_recv[pid] = sum($bytes); }
  }
}
tracepoint:sock:inet_sock_set_state /args->protocol == 6/ {
  if (args->oldstate == 7 && args->newstate == 2) {
    if (args->family == 10) { @connect_v6 = count(); @pid_connect_v6[pid] = count(); } else { @connect_v4 = count(); @pid_connect_v4[pid] = count(); }
  } else if (args->oldstate == 2 && args->newstate == 7) {
    if (args->family == 10) { @connect_v6_err = count(); } else { @connect_v4_err = count(); }
  }
}
tracepoint:tcp:tcp_retransmit_skb { @retransmit = count(); }
tracepoint:tcp:tcp_destroy_sock { @close = count(); }
tracepoint:syscalls:sys_exit_accept, tracepoint:syscalls:sys_exit_accept4 /args->ret >= 0/ {
  $file = *(curtask->files->fdt->fd + args->ret);
  if (($file->f_inode->i_mode & 0170000) == 0140000) {
    $sk = ((struct socket *)$file->private_data)->sk;
    if (($sk->__sk_common.skc_family == 2 || $sk->__sk_common.skc_family == 10) && $sk->sk_protocol == 6) { @inbound_tcp = count(); }
  }
}
`;

const ACCOUNTING =
  'inet TCP/UDP sends and receives: calls, bytes or errors host-wide (one per-CPU value of 20 lanes), calls and bytes per PID (per-CPU hash, tgid key); ' +
  'TCP CLOSE->SYN_SENT a connect (host-wide and per PID), SYN_SENT->CLOSE a failed one; retransmits and destroyed TCP sockets host-wide; ' +
  "accept/accept4 returning an inet TCP socket's fd (task->files->fdt->fd[ret]->f_inode/private_data->sk) an inbound connection";

const common = {
  collector: 'socket',
  source: 'socket_limits',
  loop: 'socket_loop',
  accounting: ACCOUNTING,
  minimal: MINIMAL,
  plugin: PLUGIN,
  bpftrace: BPFTRACE,
};

const BPF_TIME = '; ns = BPF program run time per operation (kernel BPF stats, program bodies only, every CPU)';

export const groups = {
  socket: {
    ...common,
    workload: 'udp',
    n: 10000,
    unit: 'sendto+recv',
    what: 'sendto(2) of 8 bytes to a UDP socket on 127.0.0.1 and recv(2) of them, one thread (sock_send_length + sock_recv_length, NET_RX run inline)',
  },
  'socket-tcp': {
    ...common,
    workload: 'tcp',
    n: 3000,
    unit: 'TCP connection',
    what:
      'one TCP connection over 127.0.0.1, one thread: socket, SO_LINGER 0, connect, accept4 (nonblocking listener), close both ends ' +
      '(inet_sock_set_state x6, sys_exit_accept4, tcp_destroy_sock x2, 6 syscalls)',
  },
};
groups['socket-bpf'] = { ...groups.socket, workload: 'udp_bpf', what: groups.socket.what + BPF_TIME };
groups['socket-tcp-bpf'] = { ...groups['socket-tcp'], workload: 'tcp_bpf', n: 1000, what: groups['socket-tcp'].what + BPF_TIME };
