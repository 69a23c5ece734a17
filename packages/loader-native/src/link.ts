import { runQuiet } from './context.js';
import { nativeBinding } from './native.js';
import type { NativeLinkHandle } from './internal-types.js';
import type { Link } from './types.js';

/** Default bound of {@link BpfLink.readIter}'s output. */
const DEFAULT_ITER_MAX_BYTES = 64 * 1024 * 1024;

/** An attachment; detaches on close(). */
export class BpfLink implements Link {
  readonly #handle: NativeLinkHandle;
  readonly #forget: () => void;
  /** What was attached, e.g. `attach tracepoint sched/sched_process_fork`. */
  readonly description: string;
  readonly id: number;

  /** @internal Made by Program.attach*(). */
  constructor(handle: NativeLinkHandle, description: string, track: (link: Link) => () => void) {
    this.#handle = handle;
    this.description = description;
    this.id = handle.id();
    this.#forget = track(this);
  }

  get closed(): boolean {
    return this.#handle.closed();
  }

  /** {@inheritDoc Link.readIter} */
  readIter(options: { maxBytes?: number } = {}): Buffer {
    const maxBytes = options.maxBytes ?? DEFAULT_ITER_MAX_BYTES;
    return runQuiet(() => this.#handle.readIter(maxBytes));
  }

  /** Detaches. Idempotent; also done by closing the object. */
  close(): void {
    runQuiet(() => this.#handle.close());
    this.#forget();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * @internal Detach many links at once. Releasing a tracepoint's perf event
   * waits for RCU grace periods inside the kernel; detaching on several
   * threads lets those waits overlap instead of adding up (one by one, 80
   * links took seconds). Links that are not BpfLinks are closed one by one.
   */
  static detachAll(links: Iterable<Link>): void {
    const ours: BpfLink[] = [];
    for (const link of links) {
      if (link instanceof BpfLink) {
        if (!link.closed) ours.push(link);
      } else {
        link.close();
      }
    }
    if (ours.length > 1) runQuiet(() => nativeBinding().detachLinks(ours.map((l) => l.#handle)));
    for (const link of ours) link.close();
  }
}
