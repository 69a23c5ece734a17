/**
 * Public option types of the terminal output.
 */

/** Options of {@link createTerminalOutput}. */
export interface TerminalOutputOptions {
  /**
   * Where the view goes. Default `process.stdout`. When it is a TTY the
   * screen is redrawn in place and re-rendered on `'resize'`; otherwise each
   * tick is appended as plain text.
   */
  stream?: NodeJS.WritableStream;
  /** Wall clock for the header, epoch ms. Default `Date.now`. */
  clock?: () => number;
  /** Layout limits; see {@link RenderOptions}. */
  render?: Pick<RenderOptions, 'topN' | 'maxDimensions' | 'title'>;
}

/** Layout options of {@link renderScreen}. */
export interface RenderOptions {
  /** Terminal rows; when set, the view is cut to fit and says how many charts it left out. */
  height?: number;
  /** Wall-clock time shown in the header, epoch ms. Omitted from the header when absent. */
  wallClockMs?: number;
  /** Dimensions shown for per-group charts (`apps.*`, `services.*`), biggest values first. Default 8. */
  topN?: number;
  /** Dimensions shown for any other chart, in declared order. Default 24. */
  maxDimensions?: number;
  /** First word of the header. Default `ebpf.plugin`. */
  title?: string;
}
