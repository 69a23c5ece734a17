/**
 * `/proc/interrupts`: which handlers each IRQ line has (the names of the
 * `system.hardirq_latency` dimensions) and the per-CPU counts the tests
 * compare against. Pure parsing; the collector does the reading.
 */

/** One line of `/proc/interrupts`. */
export interface InterruptLine {
  /** First column without the colon: `24`, `LOC`, `ERR`. */
  readonly id: string;
  /** The IRQ number of a numbered line; undefined for the arch summary lines (`LOC`, `RES`...). */
  readonly irq: number | undefined;
  /** Per-CPU counts in the header's CPU order (fewer for `ERR`/`MIS`, which have one). */
  readonly counts: ReadonlyArray<number>;
  /** Sum of `counts`. */
  readonly total: number;
  /** Numbered lines: the irq chip (`IO-APIC`, `PCI-MSIX-0000:00:01.0`, `GICv3`). */
  readonly chip: string | undefined;
  /**
   * Numbered lines: the handler names (`irqaction` names) in the kernel's
   * order; several for a shared line, none for a line without a handler.
   */
  readonly actions: ReadonlyArray<string>;
  /** Summary lines: the description (`Local timer interrupts`). */
  readonly description: string | undefined;
}

/** A parsed `/proc/interrupts`. */
export interface InterruptsTable {
  /** CPU numbers of the count columns (`CPU0 CPU1` -> `[0, 1]`; offline CPUs are absent). */
  readonly cpus: ReadonlyArray<number>;
  readonly lines: ReadonlyArray<InterruptLine>;
}

/**
 * A field that is only the hwirq/type column(s): `5-edge`, `1048576-edge`,
 * `27 Level`, `-edge` (no irq domain), `Level`. Used to tell a line without
 * a handler (its last field is this) from one with a handler.
 */
const HWIRQ_TYPE = /^(?:\d+(?:-\S+)?|\d+ +(?:Level|Edge)(?:-\S+)?|-\S+|Level|Edge)$/;

/**
 * Parse the text of `/proc/interrupts`.
 *
 * The kernel prints a numbered line as `IRQ: counts... chip hwirq[-type]`
 * followed by `  name` and `, name` per handler (kernel/irq/proc.c), so the
 * handler list is the last field after a run of two or more spaces, and it
 * is split on `, `. A line whose last field is the hwirq/type column has no
 * handler.
 *
 * @throws SyntaxError when the header (`CPU0 CPU1 ...`) is missing
 */
export function parseInterrupts(text: string): InterruptsTable {
  const rows = text.split('\n');
  const header = rows.findIndex((row) => row.trim() !== '');
  const cpuWords = header >= 0 ? rows[header]!.trim().split(/\s+/) : [];
  if (cpuWords.length === 0 || !cpuWords.every((w) => /^CPU\d+$/.test(w))) {
    throw new SyntaxError(`/proc/interrupts: expected a header of CPU columns, got ${JSON.stringify(rows[header] ?? '')}`);
  }
  const cpus = cpuWords.map((w) => Number(w.slice(3)));
  const lines: InterruptLine[] = [];
  for (const row of rows.slice(header + 1)) {
    const line = parseLine(row, cpus.length);
    if (line !== undefined) lines.push(line);
  }
  return { cpus, lines };
}

function parseLine(row: string, columns: number): InterruptLine | undefined {
  const head = /^\s*([^\s:]+):/.exec(row);
  if (head === null) return undefined;
  const id = head[1]!;
  let rest = row.slice(head[0].length);
  const counts: number[] = [];
  while (counts.length < columns) {
    const count = /^\s*(\d+)(?=\s|$)/.exec(rest);
    if (count === null) break;
    counts.push(Number(count[1]));
    rest = rest.slice(count[0].length);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const irq = /^\d+$/.test(id) ? Number(id) : undefined;
  const fields = rest.trim() === '' ? [] : rest.trim().split(/\s{2,}/);
  if (irq === undefined) {
    return { id, irq, counts, total, chip: undefined, actions: [], description: fields.join('  ') || undefined };
  }
  // The handlers follow two spaces; the chip and hwirq may be one field when a
  // wide hwirq leaves a single space between them (`IR-PCI-MSI 409600-edge`).
  let actionText: string | undefined;
  if (fields.length >= 3) actionText = fields[fields.length - 1];
  else if (fields.length === 2 && (fields[0]!.includes(' ') || !HWIRQ_TYPE.test(fields[1]!))) actionText = fields[1];
  const chip = fields[0]?.split(' ')[0];
  const actions = actionText === undefined ? [] : actionText.split(', ').filter((a) => a !== '');
  return { id, irq, counts, total, chip, actions, description: undefined };
}

/**
 * The dimension name of each numbered line with at least one handler: the
 * handler names as `/proc/interrupts` prints them (`i8042`,
 * `INT3432:00, INT3433:00` for a shared line).
 */
export function irqLineNames(table: InterruptsTable): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of table.lines) {
    if (line.irq !== undefined && line.actions.length > 0) names.set(line.irq, line.actions.join(', '));
  }
  return names;
}

/** The largest IRQ number in the table, or -1 when there is none. */
export function maxIrq(table: InterruptsTable): number {
  let max = -1;
  for (const line of table.lines) if (line.irq !== undefined && line.irq > max) max = line.irq;
  return max;
}
