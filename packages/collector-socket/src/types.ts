/**
 * Public types of the socket collector.
 */
import type { CollectorContext, CollectorDefinition, CollectorInstance, PidValues } from '@ebpf-collectors/core';
import type { NetworkConfig } from './network-config.js';

/** Options of {@link createSocketCollector}. */
export interface SocketCollectorOptions {
  /**
   * Path of the compiled `socket.bpf.o`. Default: the object shipped in this
   * package (`bpf/socket.bpf.o`, found relative to the installed module).
   */
  objectPath?: string;
  /**
   * Receives what each `collect()` read from the kernel, before it is turned
   * into charts and before dead PIDs are dropped from the kernel table. For
   * recording fixtures and for debugging; it must not change the arrays.
   */
  onRead?: (reading: SocketReading) => void;
  /** Port of a service name, for `ports` entries like `ssh`. Default: `/etc/services`. */
  lookupService?: (name: string) => number | undefined;
  /** Netdata's `NETDATA_LISTEN_PORT`. Default: the environment variable. */
  listenPort?: string;
  /**
   * Where the tracepoint family reads socket I/O: `sock_length`
   * (`sock:sock_send_length`/`sock_recv_length`, Linux 6.3+) or `syscalls`
   * (read/write/send/recv syscalls). Default: `sock_length` when the kernel
   * has both tracepoints. Forcing `syscalls` lets a test check the older
   * kernels' path on a new one.
   */
  tracepointIo?: 'sock_length' | 'syscalls';
  /** A port's service name for `resolve service names = yes`. Default: `/etc/services`. */
  serviceOfPort?: (port: number, protocol: 'TCP' | 'UDP') => string | undefined;
  /** Reverse DNS for `resolve hostnames = yes`. Default: `dns.promises.reverse`. */
  reverseLookup?: (address: string) => Promise<string[]>;
}

/** The raw kernel values of one tick (see {@link SocketCollectorOptions.onRead}). */
export interface SocketReading {
  /** `tbl_global_sock` summed over CPUs, cumulative, in counter-lane order (see `bpf/socket.h`). */
  readonly counters: ReadonlyArray<bigint>;
  /** `tbl_bandwidth` entries in lane order; empty when no per-PID values are kept. */
  readonly pids: ReadonlyArray<PidValues>;
}

/** A running socket collector: the core contract plus what it read from network.conf. */
export interface SocketCollectorInstance extends CollectorInstance {
  /** network.conf's socket-specific settings, as parsed at start (bad entries were logged and skipped). */
  readonly network: NetworkConfig;
}

/** The socket collector's definition: `start` resolves to a {@link SocketCollectorInstance}. */
export interface SocketCollectorDefinition extends CollectorDefinition {
  start(context: CollectorContext): Promise<SocketCollectorInstance>;
}

/**
 * The host-wide counters of `tbl_global_sock`, summed over CPUs, cumulative
 * since the object was loaded. What each counts per attach mode is in the README.
 */
export interface SocketCounters {
  readonly tcpSendCalls: bigint;
  readonly tcpSendErrors: bigint;
  readonly tcpSentBytes: bigint;
  readonly tcpReceiveCalls: bigint;
  readonly tcpReceiveErrors: bigint;
  readonly tcpReceivedBytes: bigint;
  readonly tcpCloses: bigint;
  readonly udpReceiveCalls: bigint;
  readonly udpReceiveErrors: bigint;
  readonly udpReceivedBytes: bigint;
  readonly udpSendCalls: bigint;
  readonly udpSendErrors: bigint;
  readonly udpSentBytes: bigint;
  readonly tcpRetransmits: bigint;
  readonly connectV4: bigint;
  /** Failed IPv4 connects: not charted by Netdata, kept for `onRead` users. */
  readonly connectV4Errors: bigint;
  readonly connectV6: bigint;
  readonly connectV6Errors: bigint;
  readonly inboundTcp: bigint;
  readonly inboundUdp: bigint;
}

/** One `tbl_bandwidth` entry, decoded. */
export interface SocketPidStat {
  /** The key: a tgid chosen by `collect pid`. */
  readonly pid: number;
  readonly bytesSent: bigint;
  readonly bytesReceived: bigint;
  readonly tcpSendCalls: bigint;
  readonly tcpReceiveCalls: bigint;
  readonly retransmits: bigint;
  readonly udpSendCalls: bigint;
  readonly udpReceiveCalls: bigint;
  readonly closes: bigint;
  readonly connectV4: bigint;
  readonly connectV6: bigint;
}
