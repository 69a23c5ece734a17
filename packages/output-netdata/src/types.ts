/**
 * Public option and diagnostic types of the Netdata output.
 */
import type { Logger } from '@ebpf-collectors/core';

/** Why the serializer changed or dropped something instead of emitting it as given. */
export type SerializerDiagnosticKind =
  /** A value for a dimension the chart does not declare: dropped (the agent would disable the plugin). */
  | 'undeclared-dimension'
  /** A value that is not an integer: dropped. */
  | 'invalid-value'
  /** A bigint outside the signed 64-bit range: clamped to it. */
  | 'value-clamped'
  /** The same chart id twice in one tick: the second one dropped. */
  | 'duplicate-chart'
  /** Two dimensions of a chart with the same id (after rendering): the second one dropped. */
  | 'duplicate-dimension'
  /** A chart that cannot be declared (empty type or id, id too long): dropped with its values. */
  | 'invalid-chart'
  /** A dimension that cannot be declared (empty or too long id): dropped with its values. */
  | 'invalid-dimension'
  /** A field changed to be representable (characters replaced, text truncated, number normalised). */
  | 'field-adjusted'
  /** Obsolete requested for a chart this serializer never declared: nothing sent. */
  | 'unknown-obsolete';

/** One thing the serializer did not emit as given, and why. */
export interface SerializerDiagnostic {
  readonly kind: SerializerDiagnosticKind;
  /** Full chart id `type.id`. */
  readonly chart: string;
  /** Dimension id, when the diagnostic is about one dimension. */
  readonly dimension?: string;
  /** Collector that produced the chart, when known. */
  readonly collector?: string;
  /** Human-readable explanation, suitable for a log line. */
  readonly message: string;
}

/** Options of {@link NetdataSerializer}. */
export interface SerializerOptions {
  /** Plugin field of CHART lines. Default `ebpf.plugin`. */
  plugin?: string;
  /**
   * Called for every diagnostic of `serialize()` and `obsolete()`, in order.
   * Use `render()` instead to get them as a return value.
   */
  onDiagnostic?: (diagnostic: SerializerDiagnostic) => void;
}

/** Text of one tick plus what was dropped or changed to produce it. */
export interface SerializeResult {
  /** Protocol text, newline-terminated, or `''` when there is nothing to send. */
  readonly text: string;
  readonly diagnostics: ReadonlyArray<SerializerDiagnostic>;
}

/** Options of {@link createNetdataOutput}. */
export interface NetdataOutputOptions {
  /**
   * Where the protocol goes. Default `process.stdout`, which is never ended
   * by `close()`; any other stream is ended by `close()`.
   */
  stream?: NodeJS.WritableStream;
  /** Plugin field of CHART lines. Default `ebpf.plugin`. */
  plugin?: string;
  /** Receives serializer diagnostics as warnings, each distinct one once. Never stdout. */
  logger?: Logger;
}
