/**
 * The TypeScript mirror of bpf/socket.h and the program names of
 * bpf/socket.bpf.c must match the C side: a mismatch decodes the wrong lane
 * or autoloads nothing. Reads the built object (ELF only, nothing is loaded).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLoader } from '@ebpf-collectors/loader-native';
import {
  COUNTER,
  COUNTER_LANES,
  FAMILY_PREFIX,
  GLOBAL,
  MAP,
  NV_KEY,
  NV_LANE,
  NV_LANES,
  PID_LANE,
  PID_LANES,
  PROBE_HOOKS,
  SOCK_LENGTH_HOOKS,
  SYSCALL_IO_HOOKS,
  TRACEPOINT_HOOKS,
  TRAMPOLINE_HOOKS,
} from '../src/internal-types.js';

const OBJECT = fileURLToPath(new URL('../bpf/socket.bpf.o', import.meta.url));
const header = readFileSync(fileURLToPath(new URL('../../../bpf/socket.h', import.meta.url)), 'utf8');

function enumValue(name: string): number {
  const match = new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(header);
  if (!match) throw new Error(`${name} not in socket.h`);
  return Number(match[1]);
}

const ENUM_OF: Record<keyof typeof COUNTER, string> = {
  callsTcpSend: 'EBPFC_SOCKET_CALLS_TCP_SENDMSG',
  errorTcpSend: 'EBPFC_SOCKET_ERROR_TCP_SENDMSG',
  bytesTcpSend: 'EBPFC_SOCKET_BYTES_TCP_SENDMSG',
  callsTcpRecv: 'EBPFC_SOCKET_CALLS_TCP_RECV',
  errorTcpRecv: 'EBPFC_SOCKET_ERROR_TCP_RECV',
  bytesTcpRecv: 'EBPFC_SOCKET_BYTES_TCP_RECV',
  callsTcpClose: 'EBPFC_SOCKET_CALLS_TCP_CLOSE',
  callsUdpRecv: 'EBPFC_SOCKET_CALLS_UDP_RECVMSG',
  errorUdpRecv: 'EBPFC_SOCKET_ERROR_UDP_RECVMSG',
  bytesUdpRecv: 'EBPFC_SOCKET_BYTES_UDP_RECVMSG',
  callsUdpSend: 'EBPFC_SOCKET_CALLS_UDP_SENDMSG',
  errorUdpSend: 'EBPFC_SOCKET_ERROR_UDP_SENDMSG',
  bytesUdpSend: 'EBPFC_SOCKET_BYTES_UDP_SENDMSG',
  tcpRetransmit: 'EBPFC_SOCKET_TCP_RETRANSMIT',
  callsConnectV4: 'EBPFC_SOCKET_CALLS_CONNECT_V4',
  errorConnectV4: 'EBPFC_SOCKET_ERROR_CONNECT_V4',
  callsConnectV6: 'EBPFC_SOCKET_CALLS_CONNECT_V6',
  errorConnectV6: 'EBPFC_SOCKET_ERROR_CONNECT_V6',
  inboundTcp: 'EBPFC_SOCKET_INBOUND_TCP',
  inboundUdp: 'EBPFC_SOCKET_INBOUND_UDP',
};

describe('socket.h mirror', () => {
  it('counter lanes match enum ebpfc_socket_counter', () => {
    for (const [key, name] of Object.entries(ENUM_OF)) expect(COUNTER[key as keyof typeof COUNTER], name).toBe(enumValue(name));
    expect(COUNTER_LANES).toBe(enumValue('EBPFC_SOCKET_COUNTERS'));
  });

  it('per-PID lanes follow the u64 fields of struct ebpfc_socket_pid_stat in order', () => {
    const body = /struct ebpfc_socket_pid_stat \{([^}]*)\}/.exec(header)![1]!;
    const fields = [...body.matchAll(/(\w+)\s+(\w+);/g)].map((m) => ({ type: m[1], name: m[2] }));
    expect(fields.every((f) => f.type === '__u64')).toBe(true);
    expect(fields.map((f) => f.name)).toEqual([
      'bytes_sent',
      'bytes_received',
      'call_tcp_sent',
      'call_tcp_received',
      'retransmit',
      'call_udp_sent',
      'call_udp_received',
      'call_close',
      'call_tcp_v4_connection',
      'call_tcp_v6_connection',
    ]);
    expect(PID_LANES).toBe(fields.length);
    expect(Object.values(PID_LANE)).toEqual([...Array(PID_LANES).keys()]);
  });

  it('network viewer layouts follow struct ebpfc_nv_key and struct ebpfc_nv_value', () => {
    const key = /struct ebpfc_nv_key \{([^}]*)\}/.exec(header)![1]!;
    const keyFields = [...key.matchAll(/(__u\d+)\s+(\w+)(?:\[(\d+)\])?;/g)].map((m) => ({
      name: m[2]!,
      bytes: (Number(m[1]!.slice(3)) / 8) * Number(m[3] ?? 1),
    }));
    let offset = 0;
    const offsets: Record<string, number> = {};
    for (const f of keyFields) {
      offsets[f.name] = offset;
      offset += f.bytes;
    }
    expect(offsets).toMatchObject({
      laddr: NV_KEY.laddr,
      raddr: NV_KEY.raddr,
      lport: NV_KEY.lport,
      rport: NV_KEY.rport,
      family: NV_KEY.family,
      protocol: NV_KEY.protocol,
    });
    expect(offset).toBe(NV_KEY.size);
    const value = /struct ebpfc_nv_value \{([^}]*)\}/.exec(header)![1]!;
    const valueFields = [...value.matchAll(/(\w+)\s+(\w+);/g)].map((m) => ({ type: m[1], name: m[2] }));
    expect(valueFields.every((f) => f.type === '__u64')).toBe(true);
    expect(valueFields.map((f) => f.name)).toEqual(['sent_bytes', 'recv_bytes', 'sent_packets', 'recv_packets', 'retransmits', 'inbound']);
    expect(Object.values(NV_LANE)).toEqual([...Array(NV_LANES).keys()]);
  });
});

describe.skipIf(!existsSync(OBJECT))('the built object', () => {
  const spec = existsSync(OBJECT) ? createLoader().openObject(OBJECT) : undefined;

  it('has the maps with the layouts the collector decodes', () => {
    const totals = spec!.map(MAP.totals);
    expect([totals.kind, totals.valueSize, totals.maxEntries]).toEqual(['percpu_array', 8, COUNTER_LANES]);
    const pids = spec!.map(MAP.pids);
    expect([pids.kind, pids.keySize, pids.valueSize]).toEqual(['hash', 4, PID_LANES * 8]);
    const io = spec!.map(MAP.sockIo);
    expect([io.kind, io.keySize]).toEqual(['lru_hash', 8]);
    for (const name of [MAP.connV4, MAP.connV6]) {
      const conn = spec!.map(name);
      expect([conn.kind, conn.keySize, conn.valueSize]).toEqual(['lru_hash', NV_KEY.size, NV_LANES * 8]);
    }
    expect(spec!.map(MAP.nvSocket).kind).toBe('lru_hash');
    const globals = spec!.globals().map((g) => g.name);
    for (const name of Object.values(GLOBAL)) expect(globals).toContain(name);
  });

  it('has every planned program, in one family each, with the section its attach step expects', () => {
    const programs = spec!.programs;
    for (const p of programs.values()) {
      expect(Object.values(FAMILY_PREFIX).filter((prefix) => p.name.startsWith(prefix)), p.name).toHaveLength(1);
    }
    for (const hook of TRAMPOLINE_HOOKS) {
      expect(programs.get(hook.program)?.sectionName, hook.program).toMatch(new RegExp(`^(fentry|fexit)/${hook.fn}$`));
    }
    for (const hook of PROBE_HOOKS) {
      expect(programs.get(hook.program)?.sectionName, hook.program).toBe(`${hook.retprobe ? 'kretprobe' : 'kprobe'}/${hook.fn}`);
    }
    // A program attached to several events is named in its section after one of them.
    const tracepoints = [...TRACEPOINT_HOOKS, ...SOCK_LENGTH_HOOKS, ...SYSCALL_IO_HOOKS];
    const sections = new Map<string, string[]>();
    for (const hook of tracepoints) {
      const section = hook.raw ? `raw_tp/${hook.event}` : `tracepoint/${hook.category}/${hook.event}`;
      sections.set(hook.program, [...(sections.get(hook.program) ?? []), section]);
    }
    for (const [program, allowed] of sections) expect(allowed, program).toContain(programs.get(program)?.sectionName);
    expect(programs.size).toBe(TRAMPOLINE_HOOKS.length + PROBE_HOOKS.length + sections.size);
    spec!.close();
  });
});
