import { describe, expect, it } from 'vitest';
import { AttachError, attachWithFallback, modeOrder } from '../src/index.js';

describe('modeOrder', () => {
  it('auto starts with the configured co-re tracing, then the others cheapest first', () => {
    expect(modeOrder({ typeFormat: 'auto', coreTracing: 'trampoline' })).toEqual(['trampoline', 'probe', 'tracepoint']);
    expect(modeOrder({ typeFormat: 'auto', coreTracing: 'tracepoint' })).toEqual(['tracepoint', 'trampoline', 'probe']);
    expect(modeOrder({ typeFormat: 'auto', coreTracing: 'probe' })).toEqual(['probe', 'trampoline', 'tracepoint']);
  });

  it('co-re forces exactly the configured mode and legacy forces probes', () => {
    expect(modeOrder({ typeFormat: 'co-re', coreTracing: 'tracepoint' })).toEqual(['tracepoint']);
    expect(modeOrder({ typeFormat: 'legacy', coreTracing: 'trampoline' })).toEqual(['probe']);
  });
});

describe('attachWithFallback', () => {
  it('records why each earlier mode failed and returns the first that works', async () => {
    const tried: string[] = [];
    const result = await attachWithFallback('demo', ['trampoline', 'probe', 'tracepoint'], ['trampoline', 'tracepoint'], async (mode) => {
      tried.push(mode);
      if (mode === 'trampoline') throw Object.assign(new Error('fentry: EPERM'), { code: 'ENOTSUPP' });
      return `attached:${mode}`;
    });
    expect(tried).toEqual(['trampoline', 'tracepoint']);
    expect(result.value).toBe('attached:tracepoint');
    expect(result.mode).toBe('tracepoint');
    expect(result.report).toEqual({
      collector: 'demo',
      chosen: 'tracepoint',
      attempts: [
        { mode: 'trampoline', ok: false, reason: 'fentry: EPERM', code: 'ENOTSUPP' },
        { mode: 'probe', ok: false, code: 'NOT_IMPLEMENTED', reason: 'demo has no probe implementation' },
        { mode: 'tracepoint', ok: true },
      ],
    });
  });

  it('throws AttachError carrying the whole report when nothing works', async () => {
    const failing = attachWithFallback('demo', ['probe'], ['probe'], async () => {
      throw new Error('no kprobes');
    });
    await expect(failing).rejects.toBeInstanceOf(AttachError);
    await failing.catch((error: AttachError) => {
      expect(error.code).toBe('ENOATTACH');
      expect(error.report.chosen).toBeUndefined();
      expect(error.report.attempts).toEqual([{ mode: 'probe', ok: false, reason: 'no kprobes' }]);
      expect(error.message).toContain('probe: no kprobes');
    });
  });
});
