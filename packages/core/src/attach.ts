/**
 * Attach-mode selection: which modes a collector tries, in which order, and
 * the record of why each one failed (what `--check` prints).
 */
import { AttachError } from './errors.js';
import type { AttachAttempt, AttachMode, AttachReport, CollectorConfig } from './types.js';

/** The order `auto` tries: cheapest per event first. */
export const AUTO_MODE_ORDER: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/**
 * The modes to try for a collector, in order.
 *
 * - `ebpf type format = auto`: the configured `ebpf co-re tracing` first, then
 *   the rest of trampoline -> probe -> tracepoint. Netdata stops a thread
 *   whose CO-RE load fails; we fall back instead, because the point of
 *   `auto` is to run on whatever kernel is there.
 * - `co-re`: exactly the configured `ebpf co-re tracing` (a forced mode, no
 *   fallback, so a test or an operator gets what they asked for or an error).
 * - `legacy`: Netdata's legacy objects are kprobe-based, so `probe`, forced.
 */
export function modeOrder(config: Pick<CollectorConfig, 'typeFormat' | 'coreTracing'>): AttachMode[] {
  switch (config.typeFormat) {
    case 'legacy':
      return ['probe'];
    case 'co-re':
      return [config.coreTracing];
    case 'auto':
    default:
      return [config.coreTracing, ...AUTO_MODE_ORDER.filter((m) => m !== config.coreTracing)];
  }
}

/** Text and code of an error, for an attempt record. */
function describeFailure(error: unknown): { reason: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { reason: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { reason: String(error) };
}

/**
 * Try `tryMode` for each mode in order until one succeeds. Modes the
 * collector does not implement are recorded (code `NOT_IMPLEMENTED`) and
 * skipped. `tryMode` must release everything it opened before it throws.
 *
 * @returns the first success, its mode and the full report.
 * @throws AttachError carrying the report when no mode worked.
 */
export async function attachWithFallback<T>(
  collector: string,
  modes: ReadonlyArray<AttachMode>,
  implemented: ReadonlyArray<AttachMode>,
  tryMode: (mode: AttachMode) => Promise<T>,
  absentModes: Readonly<Partial<Record<AttachMode, string>>> = {},
): Promise<{ value: T; mode: AttachMode; report: AttachReport }> {
  const attempts: AttachAttempt[] = [];
  for (const mode of modes) {
    if (!implemented.includes(mode)) {
      const why = absentModes[mode];
      attempts.push({ mode, ok: false, code: 'NOT_IMPLEMENTED', reason: `${collector} has no ${mode} implementation${why ? `: ${why}` : ''}` });
      continue;
    }
    try {
      const value = await tryMode(mode);
      attempts.push({ mode, ok: true });
      return { value, mode, report: { collector, chosen: mode, attempts } };
    } catch (error) {
      attempts.push({ mode, ok: false, ...describeFailure(error) });
    }
  }
  throw new AttachError({ collector, attempts });
}
