/**
 * Replays recorded kernel runs (test/fixtures/*.json, written by the kernel
 * test with EBPFC_RECORD_FIXTURES=1) through the chart math and the real
 * accumulator: the same readings must give the same charts, and the recorded
 * workload must be visible in them.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createGroupAccumulator } from '@ebpf-collectors/core';
import { SocketChartBuilder, nameCounters } from '../src/index.js';
import { PID_LANES } from '../src/internal-types.js';
import { frameValues, readFixture, RecordedGrouping, tickReading } from './fixture.js';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe.each(files)('%s', (file) => {
  const fixture = readFixture(`${DIR}/${file}`);

  it('replays to the charts the live collector emitted', () => {
    const grouping = new RecordedGrouping();
    const apps = createGroupAccumulator(grouping, 'app', PID_LANES);
    const builder = new SocketChartBuilder({
      updateEvery: 1,
      returnMode: fixture.recorded.loadMode === 'return',
      apps: true,
      cgroups: false,
    });
    expect(fixture.ticks.length).toBeGreaterThanOrEqual(2);
    for (const tick of fixture.ticks) {
      grouping.at(tick);
      const { counters, pids } = tickReading(tick);
      const frame = builder.frame({ counters, apps: { names: tick.exposed, totals: apps.update(pids) } });
      expect(frameValues(frame)).toEqual(tick.charts);
    }
  });

  it('shows the recorded workload', () => {
    const { workload } = fixture;
    const [first, last] = [fixture.ticks[0]!, fixture.ticks[fixture.ticks.length - 1]!];
    const c0 = nameCounters(tickReading(first).counters);
    const c1 = nameCounters(tickReading(last).counters);
    const tcpBytes = BigInt(2 * workload.connections * workload.bytesEachWay);
    expect(c1.tcpSentBytes - c0.tcpSentBytes).toBeGreaterThanOrEqual(tcpBytes);
    expect(c1.tcpReceivedBytes - c0.tcpReceivedBytes).toBeGreaterThanOrEqual(tcpBytes);
    expect(c1.connectV4 - c0.connectV4).toBeGreaterThanOrEqual(BigInt(workload.connections));
    expect(c1.udpSentBytes - c0.udpSentBytes).toBeGreaterThanOrEqual(BigInt(workload.datagrams * workload.datagramSize));
    const sent = (t: typeof first) => BigInt(t.charts['apps.total_bandwidth_sent']?.[workload.group] ?? '0');
    expect(sent(last) - sent(first)).toBeGreaterThanOrEqual(tcpBytes);
  });
});
