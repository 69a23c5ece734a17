/**
 * The addon's SHA-256 (used to check an object against the digest recorded
 * at build time) against Node's own, on the lengths where padding changes
 * shape (55/56/63/64 bytes...) and on random data, and heap trimming.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { trimHeap } from '../src/index.js';
import { nativeBinding } from '../src/native.js';

describe('sha256 (addon)', () => {
  const sha256 = (bytes: Uint8Array) => nativeBinding().sha256(bytes);
  const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('gives the standard digests of "" and "abc"', () => {
    expect(sha256(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto at every length up to 300 bytes and on large random buffers', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = randomBytes(n);
      expect(sha256(bytes), `length ${n}`).toBe(reference(bytes));
    }
    for (const n of [4095, 65536, 1_000_003]) {
      const bytes = randomBytes(n);
      expect(sha256(bytes), `length ${n}`).toBe(reference(bytes));
    }
  });

  it('hashes a view, not the whole buffer under it', () => {
    const whole = randomBytes(200);
    const view = whole.subarray(13, 150);
    expect(sha256(view)).toBe(reference(Buffer.from(view)));
  });

  it('refuses what is not a Uint8Array', () => {
    expect(() => nativeBinding().sha256('abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => nativeBinding().sha256(new Uint16Array(4) as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('trimHeap', () => {
  it('returns a boolean and can be called again', () => {
    expect(typeof trimHeap()).toBe('boolean');
    expect(typeof trimHeap()).toBe('boolean');
  });
});
