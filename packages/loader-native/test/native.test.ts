/** How the addon loader tells glibc from musl (the prebuilt package's name depends on it). */
import { describe, expect, it } from 'vitest';

import { libcFlavour } from '../src/native.js';

describe('libcFlavour', () => {
  it("agrees with Node's report on this machine", () => {
    const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
    expect(libcFlavour()).toBe(header?.glibcVersionRuntime ? 'gnu' : 'musl');
  });

  it('reads the C library from a process map', () => {
    const line = (path: string) => `7f0c1a200000-7f0c1a228000 r--p 00000000 fe:01 1311 ${path}\n`;
    expect(libcFlavour(line('/usr/bin/node') + line('/usr/lib/x86_64-linux-gnu/libc.so.6'))).toBe('gnu');
    expect(libcFlavour(line('/usr/bin/node') + line('/lib/ld-musl-x86_64.so.1'))).toBe('musl');
    expect(libcFlavour(line('/usr/lib/libc.musl-aarch64.so.1'))).toBe('musl');
  });
});
