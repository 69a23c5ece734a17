/**
 * Reverse lookups for `resolve hostnames = yes`: each address is looked up
 * once, in the background; until the answer arrives the address reads as
 * pending, so the collector never blocks a tick on DNS.
 */
import type * as Dns from 'node:dns';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * `dns.promises.reverse`, node:dns loaded on the first lookup: hostnames are
 * off by default, and the module stays resident once imported.
 */
function defaultReverse(address: string): Promise<string[]> {
  return (require('node:dns') as typeof Dns).promises.reverse(address);
}

/** Resolves an address to host names (default: `dns.promises.reverse`). */
export type ReverseLookup = (address: string) => Promise<string[]>;

/** A cache of reverse lookups. */
export class HostNames {
  readonly #lookup: ReverseLookup;
  readonly #names = new Map<string, string | null>();
  readonly #maxEntries: number;

  /**
   * @param lookup reverse resolver
   * @param maxEntries addresses remembered at most; the oldest answers are forgotten first
   */
  constructor(lookup: ReverseLookup = defaultReverse, maxEntries = 4096) {
    this.#lookup = lookup;
    this.#maxEntries = maxEntries;
  }

  /**
   * The first name of an address, the address itself when it has none or
   * the lookup failed, or `null` while the lookup is in flight (started by
   * the first call).
   */
  get(address: string): string | null {
    const known = this.#names.get(address);
    if (known !== undefined) return known;
    this.#names.set(address, null);
    if (this.#names.size > this.#maxEntries) {
      const oldest = this.#names.keys().next().value;
      if (oldest !== undefined && oldest !== address) this.#names.delete(oldest);
    }
    this.#lookup(address).then(
      (names) => this.#names.set(address, names[0] ?? address),
      () => this.#names.set(address, address),
    );
    return null;
  }
}
