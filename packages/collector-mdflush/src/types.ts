/** Public types of the mdflush collector. */

/** Options of {@link createMdflushCollector}. */
export interface MdflushCollectorOptions {
  /** Path of the compiled `mdflush.bpf.o`. Default: the object shipped in this package. */
  objectPath?: string;
}
