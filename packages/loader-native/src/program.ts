import { runLogged, runQuiet, type ObjectContext } from './context.js';
import { invalidArgument } from './errors.js';
import type { NativeLinkHandle, NativeProgramHandle } from './internal-types.js';
import { programKindOf, sectionTarget } from './kinds.js';
import { BpfLink } from './link.js';
import type { KprobeOptions, Link, Program, ProgramKind, ProgramSpec } from './types.js';

/** A program of an opened object: autoload and attach target are editable until load. */
export class BpfProgramSpec implements ProgramSpec {
  readonly #ctx: ObjectContext;
  readonly #handle: NativeProgramHandle;
  readonly name: string;
  readonly sectionName: string;
  readonly kind: ProgramKind;

  /** @internal */
  constructor(ctx: ObjectContext, handle: NativeProgramHandle) {
    this.#ctx = ctx;
    this.#handle = handle;
    this.name = handle.name();
    this.sectionName = handle.sectionName();
    this.kind = programKindOf(this.sectionName);
  }

  get autoload(): boolean {
    return runQuiet(() => this.#handle.autoload());
  }

  /** @throws BpfError `EBUSY` after load. */
  set autoload(value: boolean) {
    runLogged(this.#ctx, () => this.#handle.setAutoload(value));
  }

  /**
   * Changes the kernel function (fentry/fexit) or tracepoint (tp_btf) this
   * program attaches to; takes effect at load.
   * @throws BpfError `EBUSY` after load, `EINVAL` for other program kinds.
   */
  setAttachTarget(functionName: string): void {
    if (this.kind !== 'fentry' && this.kind !== 'fexit' && this.kind !== 'tp_btf') {
      throw invalidArgument(`set attach target of program ${this.name}`, `only for fentry/fexit/tp_btf programs, this one is ${this.kind}`, {
        object: this.#ctx.name,
        program: this.name,
      });
    }
    runLogged(this.#ctx, () => this.#handle.setAttachTarget(functionName));
  }
}

/** A loaded program. Attachments are recorded on the object, which detaches them when it closes. */
export class BpfProgram implements Program {
  readonly #ctx: ObjectContext;
  readonly #handle: NativeProgramHandle;
  readonly name: string;
  readonly sectionName: string;
  readonly kind: ProgramKind;
  readonly id: number;

  /** @internal */
  constructor(ctx: ObjectContext, handle: NativeProgramHandle) {
    this.#ctx = ctx;
    this.#handle = handle;
    this.name = handle.name();
    this.sectionName = handle.sectionName();
    this.kind = programKindOf(this.sectionName);
    this.id = handle.id();
  }

  get fd(): number {
    return this.#handle.fd();
  }

  /**
   * Attaches as the section name says: `tracepoint/<cat>/<name>`,
   * `raw_tp/<name>`, `kprobe/<fn>[+off]`, `kretprobe/<fn>`, `ksyscall/<name>`,
   * fentry/fexit/tp_btf at their load-time target; anything else through
   * libbpf's auto-attach.
   * @throws NotSupportedError where the kernel lacks the mechanism; BpfError otherwise.
   */
  attach(): Link {
    const target = sectionTarget(this.sectionName);
    const noTarget = (how: string) =>
      invalidArgument(`attach program ${this.name}`, `section '${this.sectionName}' names no target; use ${how}`, {
        object: this.#ctx.name,
        program: this.name,
      });
    switch (this.kind) {
      case 'tracepoint': {
        const slash = target.indexOf('/');
        if (slash <= 0 || slash === target.length - 1) throw noTarget('attachTracepoint(category, name)');
        return this.attachTracepoint(target.slice(0, slash), target.slice(slash + 1));
      }
      case 'raw_tracepoint':
        if (target === '') throw noTarget('attachRawTracepoint(name)');
        return this.attachRawTracepoint(target);
      case 'kprobe':
      case 'kretprobe': {
        if (target === '') throw noTarget('attachKprobe(functionName)');
        const match = /^([^+]+)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(target);
        if (!match?.[1]) throw noTarget('attachKprobe(functionName)');
        return this.attachKprobe(match[1], {
          retprobe: this.kind === 'kretprobe',
          offset: match[2] === undefined ? 0 : Number(match[2]),
        });
      }
      case 'ksyscall':
      case 'kretsyscall':
        if (target === '') throw noTarget('attachSyscallKprobe(syscall)');
        return this.attachSyscallKprobe(target, { retprobe: this.kind === 'kretsyscall' });
      case 'fentry':
      case 'fexit':
      case 'tp_btf':
        return this.attachTrace();
      case 'iter':
        return this.#link(`attach iterator program ${this.name} (${this.sectionName})`, () => this.#handle.attach());
      case 'other':
        return this.#link(`attach program ${this.name} (${this.sectionName})`, () => this.#handle.attach());
    }
  }

  /** Attaches to `tracepoint/<category>/<name>` (needs tracefs; see `ensureTracefs()`). */
  attachTracepoint(category: string, name: string): Link {
    return this.#link(`attach tracepoint ${category}/${name}`, () => this.#handle.attachTracepoint(category, name));
  }

  /** Attaches a raw_tp program to a raw tracepoint by name (`sys_enter`, `sched_switch`). */
  attachRawTracepoint(name: string): Link {
    return this.#link(`attach raw_tracepoint ${name}`, () => this.#handle.attachRawTracepoint(name));
  }

  /**
   * Attaches a kprobe (or kretprobe) to a kernel function.
   * @throws NotSupportedError (`kprobe`) where the kernel has no kprobes.
   */
  attachKprobe(functionName: string, options: KprobeOptions = {}): Link {
    const retprobe = options.retprobe ?? false;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw invalidArgument(`attach kprobe ${functionName}`, `offset must be a non-negative integer, got ${offset}`, {
        object: this.#ctx.name,
        program: this.name,
      });
    }
    return this.#link(`attach ${retprobe ? 'kretprobe' : 'kprobe'} ${functionName}`, () =>
      this.#handle.attachKprobe(functionName, retprobe, offset),
    );
  }

  /**
   * Attaches a kprobe to a syscall by plain name (`clone`): the arch prefix
   * (`__x64_sys_`, or `sys_` on old kernels) comes from the running kernel's symbols.
   * @throws NotSupportedError (`kprobe`) where the kernel has no kprobes.
   */
  attachSyscallKprobe(syscall: string, options: KprobeOptions = {}): Link {
    const plain = syscall.replace(/^(__[a-z0-9]+_)?sys_/, '');
    return this.attachKprobe(`${this.#ctx.syscallPrefix()}${plain}`, options);
  }

  /**
   * Attaches fentry/fexit/tp_btf programs to their load-time target.
   * @throws NotSupportedError (`fentry` or `tp_btf`) where trampolines do not work.
   */
  attachTrace(): Link {
    return this.#link(`attach ${this.kind} program ${this.name}`, () => this.#handle.attachTrace(), this.kind);
  }

  #link(description: string, make: () => NativeLinkHandle, attachingKind?: ProgramKind): Link {
    const handle = runLogged(this.#ctx, make, attachingKind === undefined ? {} : { attachingKind });
    return new BpfLink(handle, description, (link) => this.#ctx.trackLink(link));
  }
}
