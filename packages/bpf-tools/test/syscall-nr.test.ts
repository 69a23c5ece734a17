import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { syscallNumbersHeader } from '../src/syscall-nr.mjs';

describe('syscallNumbersHeader (numbers from the UAPI headers at build time)', () => {
  it('has both architectures with their own numbers, and arm64 without the syscalls it lacks', () => {
    const { text, counts } = syscallNumbersHeader() as { text: string; counts: { x86_64: number; arm64: number } };
    expect(counts.x86_64).toBeGreaterThan(300);
    expect(counts.arm64).toBeGreaterThan(250);
    const [x86, arm64] = text.split('#elif defined(__TARGET_ARCH_arm64)');
    expect(x86).toMatch(/^#define EBPFC_NR_read 0$/m);
    expect(x86).toMatch(/^#define EBPFC_NR_openat 257$/m);
    expect(x86).toMatch(/^#define EBPFC_NR_open 2$/m);
    expect(arm64).toMatch(/^#define EBPFC_NR_read 63$/m);
    expect(arm64).toMatch(/^#define EBPFC_NR_openat 56$/m);
    expect(arm64).not.toMatch(/EBPFC_NR_open /);
  });

  it('makes the x86_64 branch an error naming the package when its header is missing', () => {
    const { text } = syscallNumbersHeader({ x86Include: '/nonexistent' }) as { text: string };
    expect(text).toContain('#error "ebpfc_syscall_nr.h: no x86_64 syscall numbers');
    expect(text).toContain('linux-libc-dev:amd64');
  });
});
