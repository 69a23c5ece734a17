import { runQuiet } from './context.js';
import type { NativeLinkHandle } from './internal-types.js';
import type { Link } from './types.js';

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

  /** Detaches. Idempotent; also done by closing the object. */
  close(): void {
    runQuiet(() => this.#handle.close());
    this.#forget();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
