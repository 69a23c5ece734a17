import { nativeBinding } from './native.js';

/**
 * Gives the C heap's free pages back to the kernel (glibc's `malloc_trim(0)`).
 * Every object load makes libbpf parse the kernel's BTF (about 15 MB) and free
 * it; glibc keeps those pages resident unless they sit at the heap's top. Call
 * it when loading is over. Returns true when memory went back; false where
 * the C library cannot do it (not glibc) or no addon loads here (it never
 * throws: callers run it on their hot path). Takes a few milliseconds.
 */
export function trimHeap(): boolean {
  try {
    return nativeBinding().trimHeap();
  } catch {
    return false;
  }
}
