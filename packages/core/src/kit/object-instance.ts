/**
 * The running instance of a collector whose kernel side is one loaded
 * object and whose reading is its own (histograms, event tables): the kit
 * owns the mode record, use-after-close and releasing the object; the
 * collector writes `charts()` and `collect()`.
 */
import type { BpfObject } from '@ebpf-collectors/loader-native';
import { attachWithFallback, modeOrder } from '../attach.js';
import type { AttachMode, AttachReport, ChartDefinition, CollectorContext, CollectorFrame, CollectorInstance } from '../types.js';
import { CollectorClosedError } from './errors.js';

/** What {@link attachFirstMode} started: the load step's value, the mode it ran in and the attempts. */
export interface Started<T> {
  readonly value: T;
  readonly mode: AttachMode;
  readonly report: AttachReport;
}

/**
 * Load and attach in the first mode of `modeOrder(config)` that the
 * collector implements and the kernel accepts; `load` must release what it
 * opened when it throws.
 *
 * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
 */
export function attachFirstMode<T>(
  module: string,
  modes: ReadonlyArray<AttachMode>,
  context: Pick<CollectorContext, 'config'>,
  load: (mode: AttachMode) => Promise<T>,
  absentModes?: Readonly<Partial<Record<AttachMode, string>>>,
): Promise<Started<T>> {
  return attachWithFallback(module, modeOrder(context.config), modes, load, absentModes);
}

/** A running collector over one loaded object. */
export abstract class ObjectInstance implements CollectorInstance {
  readonly attachMode: AttachMode;
  readonly report: AttachReport;
  readonly #module: string;
  #object: BpfObject | undefined;

  protected constructor(module: string, started: Pick<Started<unknown>, 'mode' | 'report'>, object: BpfObject) {
    this.#module = module;
    this.attachMode = started.mode;
    this.report = started.report;
    this.#object = object;
  }

  /**
   * The object, for reading its maps.
   *
   * @throws CollectorClosedError (`ECLOSED`) after `close()`
   */
  protected get object(): BpfObject {
    if (this.#object === undefined) throw new CollectorClosedError(this.#module);
    return this.#object;
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  protected assertOpen(): void {
    if (this.#object === undefined) throw new CollectorClosedError(this.#module);
  }

  abstract charts(): ChartDefinition[];
  abstract collect(): CollectorFrame | Promise<CollectorFrame>;

  bpfObjects(): BpfObject[] {
    return this.#object ? [this.#object] : [];
  }

  /** Detach and close the object. Idempotent. */
  close(): void {
    const object = this.#object;
    this.#object = undefined;
    object?.close();
  }
}
