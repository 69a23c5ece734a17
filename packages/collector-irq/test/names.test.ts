import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IrqNameCache } from '../src/index.js';

const host = readFileSync(fileURLToPath(new URL('./fixtures/interrupts-host-2cpu.txt', import.meta.url)), 'utf8');

function cache(texts: Array<string | undefined>, kernel: Record<number, string> = {}, refreshTicks = 60) {
  let reads = 0;
  const warnings: string[] = [];
  const names = new IrqNameCache(
    {
      readInterrupts: () => texts[Math.min(reads++, texts.length - 1)],
      kernelName: (irq) => kernel[irq],
      warn: (m) => warnings.push(m),
    },
    refreshTicks,
  );
  return { names, reads: () => reads, warnings };
}

describe('IrqNameCache', () => {
  it('names lines from /proc/interrupts and reads it again only for a line it does not know', () => {
    const { names, reads } = cache([host]);
    names.refresh();
    names.prepare([36, 41]);
    expect(reads()).toBe(1);
    expect(names.nameOf(36)).toBe('virtio1-req.0');
    names.prepare([36, 99]);
    expect(reads()).toBe(2);
  });

  it('falls back to the name the tracepoint saw, then irq<N>, and keeps that choice', () => {
    const { names, reads } = cache([host], { 99: 'gone-dev' });
    names.refresh();
    names.prepare([99, 100]);
    expect(names.nameOf(99)).toBe('gone-dev');
    expect(names.nameOf(100)).toBe('irq100');
    names.prepare([99, 100]);
    expect(reads()).toBe(2);
  });

  it('re-reads every refreshTicks ticks and follows a renamed line', () => {
    const renamed = host.replace('virtio1-req.0', 'nvme0q1');
    const { names, reads } = cache([host, renamed], {}, 3);
    names.refresh();
    names.prepare([36]);
    names.prepare([36]);
    expect(names.nameOf(36)).toBe('virtio1-req.0');
    names.prepare([36]);
    expect(reads()).toBe(2);
    expect(names.nameOf(36)).toBe('nvme0q1');
  });

  it('keeps the old names and warns when the file cannot be parsed', () => {
    const { names, warnings } = cache([host, 'garbage']);
    names.refresh();
    names.refresh();
    expect(names.nameOf(36)).toBe('virtio1-req.0');
    expect(warnings[0]).toMatch(/cannot parse/);
  });
});
