/**
 * One ordered, backpressure-aware writer over a Node stream that turns every
 * way the reader can disappear into `OutputClosedError`.
 */
import { OutputClosedError } from './errors.js';

/** Writes whole chunks in call order; each promise settles when its chunk is flushed. */
export class StreamSink {
  readonly #stream: NodeJS.WritableStream;
  readonly #output: string;
  readonly #ownsEnd: boolean;
  #gone: OutputClosedError | undefined;
  #closing = false;
  #queue: Promise<void> = Promise.resolve();
  /** Rejecters of writes in flight, so a stream error fails them at once. */
  readonly #pending = new Set<(error: OutputClosedError) => void>();

  /**
   * @param ownsEnd - whether `close()` ends the stream (never for process stdio,
   *   which Node does not let a program close).
   */
  constructor(stream: NodeJS.WritableStream, output: string, ownsEnd: boolean) {
    this.#stream = stream;
    this.#output = output;
    this.#ownsEnd = ownsEnd;
    // Without an 'error' listener an EPIPE on stdout is an uncaught
    // exception that kills the plugin instead of letting it stop cleanly.
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
    const state = stream as Partial<{ destroyed: boolean; writableEnded: boolean }>;
    if (state.destroyed === true || state.writableEnded === true) this.#markGone(undefined);
  }

  /** True once the reader went away or `close()` ran. */
  get closed(): boolean {
    return this.#gone !== undefined || this.#closing;
  }

  /**
   * Queue one chunk; resolves once the stream accepted it and, if it asked
   * for it, drained. Rejects with `OutputClosedError` when the reader is gone.
   */
  write(chunk: string): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    const written = this.#queue.then(() => this.#writeNow(chunk));
    this.#queue = written.catch(() => undefined);
    return written;
  }

  /** The error writes reject with once the sink is closed or gone. */
  closedError(): OutputClosedError {
    return this.#closedError(undefined);
  }

  /** Waits for queued writes, then ends the stream when this sink owns it. Never rejects. */
  async close(): Promise<void> {
    if (this.#closing) return this.#queue;
    this.#closing = true;
    await this.#queue;
    if (this.#ownsEnd && this.#gone === undefined) {
      await new Promise<void>((resolve) => {
        this.#stream.end(() => resolve());
        // end()'s callback is not called when the stream errors first.
        this.#pending.add(() => resolve());
      });
    }
    // The error listener stays: a late EPIPE must not crash a stopping process.
    this.#stream.removeListener('close', this.#onClose);
  }

  #writeNow(chunk: string): Promise<void> {
    if (this.#gone) return Promise.reject(this.#gone);
    return new Promise<void>((resolve, reject) => {
      let flushed = false;
      let drained = true;
      const settle = (error?: OutputClosedError): void => {
        if (error === undefined && !(flushed && drained)) return;
        this.#pending.delete(fail);
        this.#stream.removeListener('drain', onDrain);
        if (error) reject(error);
        else resolve();
      };
      const fail = (error: OutputClosedError): void => settle(error);
      const onDrain = (): void => {
        drained = true;
        settle();
      };
      this.#pending.add(fail);
      const accepted = this.#stream.write(chunk, (error?: Error | null) => {
        if (error) {
          settle(this.#markGone(error));
          return;
        }
        flushed = true;
        settle();
      });
      if (!accepted) {
        drained = false;
        this.#stream.once('drain', onDrain);
      }
    });
  }

  readonly #onError = (error: Error): void => {
    this.#markGone(error);
  };

  readonly #onClose = (): void => {
    this.#markGone(undefined);
  };

  #markGone(cause: Error | undefined): OutputClosedError {
    this.#gone ??= this.#closedError(cause);
    for (const fail of [...this.#pending]) fail(this.#gone);
    return this.#gone;
  }

  #closedError(cause: Error | undefined): OutputClosedError {
    if (this.#gone) return this.#gone;
    return new OutputClosedError(this.#output, cause === undefined ? undefined : { cause });
  }
}
