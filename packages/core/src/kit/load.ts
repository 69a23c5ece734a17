/**
 * Open -> configure -> load -> attach for one attach mode of a collector,
 * releasing everything opened when any step fails (so `attachWithFallback`
 * can try the next mode with nothing left behind).
 */
import { fileURLToPath } from 'node:url';
import { NotSupportedError } from '@ebpf-collectors/loader-native';
import type { BpfObject, Features, Link, ObjectSpec, Program, ProgramKind } from '@ebpf-collectors/loader-native';
import type { CollectorContext } from '../types.js';

/** How one program attaches once loaded. */
export type Attacher = (program: Program) => Link;

/** What one attach mode loads and how it attaches it. */
export interface LoadPlan {
  /** Programs to load (every other program's autoload is turned off), in attach order. */
  readonly programs: ReadonlyMap<string, Attacher>;
  /** fentry/fexit/tp_btf targets to set before load: program name -> kernel function. */
  readonly targets?: ReadonlyMap<string, string>;
  /** Size maps, set `const volatile` globals, change map kinds: everything else before load. */
  configure?(spec: ObjectSpec): void;
}

/** Where a collector package ships its object: `<package>/bpf/<name>.bpf.o`, from a module in `<package>/dist/`. */
export function shippedObjectPath(moduleUrl: string, name: string): string {
  return fileURLToPath(new URL(`../bpf/${name}.bpf.o`, moduleUrl));
}

/** The kernel feature a program kind needs, for kinds whose support differs between kernels. */
const FEATURE_OF_KIND: Partial<Record<ProgramKind, { feature: 'fentry' | 'kprobe' | 'tp_btf'; probe: (f: Features) => boolean }>> = {
  fentry: { feature: 'fentry', probe: (f) => f.fentry() },
  fexit: { feature: 'fentry', probe: (f) => f.fentry() },
  kprobe: { feature: 'kprobe', probe: (f) => f.kprobe() },
  kretprobe: { feature: 'kprobe', probe: (f) => f.kprobe() },
  ksyscall: { feature: 'kprobe', probe: (f) => f.kprobe() },
  kretsyscall: { feature: 'kprobe', probe: (f) => f.kprobe() },
  tp_btf: { feature: 'tp_btf', probe: (f) => f.tpBtf() },
};

/**
 * Fail fast, before the verifier runs, when the kernel lacks what a planned
 * program needs: the (cached) feature probe already tried it, and loading a
 * whole family only to see its attach refused costs seconds at start-up.
 *
 * @throws NotSupportedError naming the program and the probe's reason
 */
function assertKindsSupported(spec: ObjectSpec, plan: LoadPlan, features: Features, name: string): void {
  for (const program of plan.programs.keys()) {
    const need = FEATURE_OF_KIND[spec.program(program).kind];
    if (!need || need.probe(features)) continue;
    const why = features.reason(need.feature) ?? `${need.feature} is not supported by this kernel`;
    throw new NotSupportedError(`${name}: program '${program}' needs ${need.feature}: ${why}`, {
      feature: need.feature,
      code: 'ENOTSUPP',
      errno: 524,
      op: `load ${need.feature} program ${program}`,
      object: name,
      program,
    });
  }
}

/**
 * Open `objectPath`, apply `plan`, load and attach. On any failure everything
 * opened is closed before the error propagates; the loaded object owns its
 * links, so closing it detaches them.
 */
export async function loadAndAttach(
  context: Pick<CollectorContext, 'loader' | 'logger' | 'config' | 'signal'>,
  objectPath: string,
  name: string,
  plan: LoadPlan,
): Promise<BpfObject> {
  if (context.signal.aborted) throw context.signal.reason;
  const spec = context.loader.openObject(objectPath, {
    logger: context.logger,
    name,
    ...(context.config.btfPath ? { btfPath: context.config.btfPath } : {}),
  });
  let object: BpfObject | undefined;
  try {
    for (const program of spec.programs.values()) program.autoload = plan.programs.has(program.name);
    // Fail before load, with the program's name, when the object lacks a planned program.
    for (const program of plan.programs.keys()) spec.program(program);
    assertKindsSupported(spec, plan, context.loader.features, name);
    for (const [program, target] of plan.targets ?? []) spec.program(program).setAttachTarget(target);
    plan.configure?.(spec);
    object = await spec.load();
    for (const [program, attach] of plan.programs) attach(object.program(program));
    if (context.signal.aborted) throw context.signal.reason;
    return object;
  } catch (error) {
    if (object !== undefined) object.close();
    else spec.close();
    throw error;
  }
}
