import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { irqLineNames, lineCapacity, maxIrq, parseInterrupts } from '../src/index.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');

describe('parseInterrupts', () => {
  it("reads this host's file: CPU columns, virtio per-queue names, summary lines", () => {
    const table = parseInterrupts(fixture('interrupts-host-2cpu.txt'));
    expect(table.cpus).toEqual([0, 1]);
    const disk = table.lines.find((l) => l.id === '36')!;
    expect(disk).toMatchObject({ irq: 36, chip: 'PCI-MSIX-0000:00:02.0', actions: ['virtio1-req.0'] });
    expect(disk.counts).toHaveLength(2);
    expect(disk.total).toBe(disk.counts[0]! + disk.counts[1]!);
    const names = irqLineNames(table);
    expect(names.get(24)).toBe('ACPI:Ged');
    expect(names.get(25)).toBe('ACPI:Ged');
    expect(names.get(38)).toBe('virtio2-input.0');
    expect(names.get(39)).toBe('virtio2-output.0');
    expect(names.get(26)).toBe('ttyS0');
    const loc = table.lines.find((l) => l.id === 'LOC')!;
    expect(loc).toMatchObject({ irq: undefined, description: 'Local timer interrupts', actions: [] });
    expect(loc.counts).toHaveLength(2);
    // ERR has one column whatever the CPU count.
    expect(table.lines.find((l) => l.id === 'ERR')!.counts).toHaveLength(1);
    expect(maxIrq(table)).toBe(43);
  });

  it('reads a 4-CPU desktop: IO-APIC and MSI lines, every x86 summary line', () => {
    const table = parseInterrupts(fixture('interrupts-broadwell-4cpu.txt'));
    expect(table.cpus).toEqual([0, 1, 2, 3]);
    const names = irqLineNames(table);
    expect(names.get(0)).toBe('timer');
    expect(names.get(44)).toBe('ahci[0000:00:1f.2]');
    expect(names.get(23)).toBe('ehci_hcd:usb3');
    expect(names.get(47)).toBe('snd_hda_intel:card1');
    expect(names.size).toBe(15);
    const eth0 = table.lines.find((l) => l.id === '42')!;
    expect(eth0.counts).toEqual([0, 0, 0, 162245]);
    expect(eth0.chip).toBe('IR-PCI-MSI');
    expect(table.lines.find((l) => l.id === 'LOC')!.total).toBe(255405 + 173734 + 202266 + 261676);
    expect(table.lines.find((l) => l.id === 'THR')!.description).toBe('Threshold APIC interrupts');
    expect(table.lines.find((l) => l.id === 'MIS')!.counts).toEqual([0]);
  });

  it('keeps every handler of a shared line, and lines that share a name apart', () => {
    const table = parseInterrupts(fixture('interrupts-laptop-4cpu-shared.txt'));
    const shared = table.lines.find((l) => l.id === '7')!;
    expect(shared.actions).toEqual(['INT3432:00', 'INT3433:00']);
    const names = irqLineNames(table);
    expect(names.get(7)).toBe('INT3432:00, INT3433:00');
    expect(names.get(1)).toBe('i8042');
    expect(names.get(12)).toBe('i8042');
  });

  it('tells a line without a handler from a named one, on x86 and GIC layouts', () => {
    const text = [
      '           CPU0       CPU1       ',
      '  2:          0          0    XT-PIC  cascade',
      '  5:          0          0  IO-APIC   5-edge      ',
      '  6:          0          0  IO-APIC   6-fasteoi',
      ' 11:      12345      67890     GICv3  27 Level     arch_timer',
      ' 13:          0          0     GICv3  30 Level',
      'IPI0:       100        200       Rescheduling interrupts',
      'Err:          0',
    ].join('\n');
    const table = parseInterrupts(text);
    const names = irqLineNames(table);
    expect(names.get(2)).toBe('cascade');
    expect(names.has(5)).toBe(false);
    expect(names.has(6)).toBe(false);
    expect(names.get(11)).toBe('arch_timer');
    expect(names.has(13)).toBe(false);
    expect(table.lines.find((l) => l.id === 'IPI0')!).toMatchObject({ irq: undefined, counts: [100, 200] });
  });

  it('refuses text without the CPU header', () => {
    expect(() => parseInterrupts('  0:  1  2  IO-APIC  2-edge  timer')).toThrow(SyntaxError);
    expect(() => parseInterrupts('')).toThrow(SyntaxError);
  });
});

describe('lineCapacity', () => {
  it('is twice the lines in use, a power of two, within 256..65536', () => {
    expect(lineCapacity(-1)).toBe(256);
    expect(lineCapacity(43)).toBe(256);
    expect(lineCapacity(127)).toBe(256);
    expect(lineCapacity(128)).toBe(512);
    expect(lineCapacity(1000)).toBe(2048);
    expect(lineCapacity(10_000_000)).toBe(65536);
  });
});
