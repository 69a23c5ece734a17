/**
 * Names of the IRQ lines, for the dimensions of `system.hardirq_latency`:
 * `/proc/interrupts` first (every handler of a shared line, as the kernel
 * prints them), then the name the tracepoint saw (kept by the BPF side, for
 * a line freed before we read), then `irq<N>`.
 */
import { irqLineNames, parseInterrupts } from './interrupts.js';

/** Where {@link IrqNameCache} gets its names. */
export interface IrqNameSources {
  /** The text of `/proc/interrupts`, or undefined when it cannot be read. */
  readInterrupts(): string | undefined;
  /** The handler name the tracepoint recorded for `irq`, if any. */
  kernelName(irq: number): string | undefined;
  /** Told when `/proc/interrupts` could not be parsed. */
  warn?(message: string): void;
}

/**
 * Caches line names between ticks. `/proc/interrupts` is read again only when
 * a line fires that it did not name, or every `refreshTicks` ticks (to follow
 * an IRQ number given to another device); on a large machine the file is
 * hundreds of kilobytes, so not every tick.
 */
export class IrqNameCache {
  readonly #sources: IrqNameSources;
  readonly #refreshTicks: number;
  #fromProc = new Map<number, string>();
  /** Names of lines /proc/interrupts did not name, fixed once chosen. */
  readonly #fallback = new Map<number, string>();
  #ticks = 0;

  constructor(sources: IrqNameSources, refreshTicks = 60) {
    this.#sources = sources;
    this.#refreshTicks = Math.max(1, Math.floor(refreshTicks));
  }

  /** Read `/proc/interrupts` now. */
  refresh(): void {
    this.#ticks = 0;
    const text = this.#sources.readInterrupts();
    if (text === undefined) return;
    try {
      this.#fromProc = irqLineNames(parseInterrupts(text));
    } catch (error) {
      this.#sources.warn?.(`hardirq: cannot parse /proc/interrupts: ${(error as Error).message}`);
      return;
    }
    for (const irq of this.#fromProc.keys()) this.#fallback.delete(irq);
  }

  /** Call once per tick with the lines about to be named. */
  prepare(irqs: Iterable<number>): void {
    this.#ticks++;
    let unknown = this.#ticks >= this.#refreshTicks;
    if (!unknown) {
      for (const irq of irqs) {
        if (!this.#fromProc.has(irq) && !this.#fallback.has(irq)) {
          unknown = true;
          break;
        }
      }
    }
    if (unknown) this.refresh();
  }

  /** The dimension name of a line. */
  nameOf(irq: number): string {
    const name = this.#fromProc.get(irq) ?? this.#fallback.get(irq);
    if (name !== undefined) return name;
    const chosen = this.#sources.kernelName(irq) || `irq${irq}`;
    this.#fallback.set(irq, chosen);
    return chosen;
  }
}
