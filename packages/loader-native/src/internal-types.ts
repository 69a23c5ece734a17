/**
 * Shapes of the native addon (native/*.cc). Never exported from the package:
 * the public API is types.ts.
 */

/** One libbpf message: [level (0 warn, 1 info, 2 debug), text]. */
export type NativeLogLine = [level: number, text: string];

/** Fields the addon puts on the errors it throws (see native/common.cc MakeError). */
export interface NativeErrorFields {
  nativeErrno: number;
  nativeOp: string;
  nativeDetail?: string;
  nativeObject?: string;
  nativeProgram?: string;
  nativeMap?: string;
  nativeVerifierLog?: string;
  nativeFeature?: string;
  nativeLog?: NativeLogLine[];
}

export type NativeObjectState = 'opened' | 'loading' | 'loaded' | 'failed' | 'closed';

export interface NativeGlobal {
  name: string;
  size: number;
  offset: number;
  section: string;
}

export interface NativeObjectHandle {
  name(): string;
  state(): NativeObjectState;
  programs(): NativeProgramHandle[];
  maps(): NativeMapHandle[];
  globals(): NativeGlobal[];
  setGlobal(name: string, bytes: Buffer): void;
  load(): Promise<void>;
  drainLog(): NativeLogLine[];
  close(): void;
}

export interface NativeProgramHandle {
  name(): string;
  sectionName(): string;
  autoload(): boolean;
  setAutoload(value: boolean): void;
  setAttachTarget(functionName: string): void;
  fd(): number;
  id(): number;
  attach(): NativeLinkHandle;
  attachTracepoint(category: string, name: string): NativeLinkHandle;
  attachRawTracepoint(name: string): NativeLinkHandle;
  attachKprobe(functionName: string, retprobe: boolean, offset: number): NativeLinkHandle;
  attachTrace(): NativeLinkHandle;
}

export interface NativeMapDefinition {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  internal: boolean;
}

export interface NativeMapInfo {
  id: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  nCpus: number;
}

export interface NativeMapDump {
  count: number;
  keys: Buffer;
  values: Buffer;
  method: 'batch' | 'iterate';
}

export interface NativeMapHandle {
  name(): string;
  definition(): NativeMapDefinition;
  setType(type: number): void;
  setMaxEntries(n: number): void;
  info(): NativeMapInfo;
  fd(): number;
  lookup(key: Buffer): Buffer | undefined;
  lookupPerCpu(key: Buffer): Buffer | undefined;
  update(key: Buffer, value: Buffer, flags: number): void;
  delete(key: Buffer): boolean;
  keys(): { count: number; keys: Buffer };
  readAll(rawPerCpu: boolean, method: 'auto' | 'batch' | 'iterate', batchSize: number, andDelete: boolean): NativeMapDump;
  readU64Array(): BigUint64Array;
}

export interface NativeLinkHandle {
  id(): number;
  closed(): boolean;
  close(): void;
  readIter(maxBytes: number): Buffer;
}

export interface NativeProbeResult {
  ok: boolean;
  reason?: string;
  /** libbpf's lines printed during the probe. */
  log?: NativeLogLine[];
}

export interface NativeBinding {
  ObjectHandle: new (pathOrImage: string | Buffer, name: string, btfPath: string | undefined) => NativeObjectHandle;
  probeBtf(path?: string): NativeProbeResult;
  probeTracepoint(): NativeProbeResult;
  probeRawTracepoint(): NativeProbeResult;
  probeTpBtf(): NativeProbeResult;
  probeFentry(): NativeProbeResult;
  probeKprobe(): NativeProbeResult;
  probeBatchOps(): NativeProbeResult;
  probeMapType(type: number): NativeProbeResult;
  /** null when the BTF cannot be loaded. */
  btfFunctions(path: string | undefined, names: string[]): boolean[] | null;
  /** Every FUNC name of the BTF, each between '\n'; null when the BTF cannot be loaded. */
  btfFunctionNames(path: string | undefined): string | null;
  kallsymsFunctions(names: string[]): boolean[];
  mountTracefs(): 'already-mounted' | 'mounted';
  /** Detach every handle's link, several at once (threads); returns when all are detached. */
  detachLinks(handles: NativeLinkHandle[]): void;
  possibleCpus(): number;
  /** SHA-256 of the bytes, 64 lowercase hex digits. */
  sha256(bytes: Uint8Array): string;
  /** malloc_trim(0): true when memory went back to the kernel; false where the C library cannot (not glibc). */
  trimHeap(): boolean;
  libbpfVersion: string;
}
