/**
 * `/proc/<pid>/cgroup` parsing and classification into the names used by the
 * `cgroup_<name>.*` and `services.*` charts.
 */

/** Which line of `/proc/<pid>/cgroup` a membership came from. */
export type CgroupSource = 'cpuset' | 'blkio' | 'memory' | 'devices' | 'unified' | 'name=systemd' | 'other';

/** The cgroup a process is in, as read from one line of `/proc/<pid>/cgroup`. */
export interface CgroupMembership {
  /** 2 for the unified hierarchy (`0::/path`), 1 for a v1 controller hierarchy. */
  readonly version: 1 | 2;
  /** Path inside the hierarchy, always starting with `/`. */
  readonly path: string;
  readonly source: CgroupSource;
}

/** What a cgroup path means for the charts. */
export type CgroupClass =
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'cgroup'; readonly name: string }
  | { readonly kind: 'none' };

/** v1 hierarchies in the order Netdata looks for a cgroup's `cgroup.procs`. */
const PREFERRED_V1 = ['cpuset', 'blkio', 'memory', 'devices'] as const;

/** Longest cgroup chart name we produce (the part after `cgroup_`). */
export const CGROUP_NAME_MAX = 100;

/** Container ids are shortened to this many hex digits, as `docker ps` shows them. */
export const SHORT_ID_LENGTH = 12;

const NONE: CgroupClass = Object.freeze({ kind: 'none' });

/** Calls `line` with the three fields of each `<hierarchy id>:<controllers>:<path>` line; other lines are skipped. */
function forEachCgroupLine(text: string, line: (id: string, controllers: string, path: string) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const c1 = text.indexOf(':', start);
    const c2 = c1 < 0 || c1 >= end ? -1 : text.indexOf(':', c1 + 1);
    if (c2 >= 0 && c2 < end) line(text.slice(start, c1), text.slice(c1 + 1, c2), text.slice(c2 + 1, end));
    start = end + 1;
  }
}

/**
 * Pick the cgroup path of a process from the text of `/proc/<pid>/cgroup`.
 *
 * Lines are `<hierarchy id>:<controllers>:<path>`; `0::<path>` is the v2
 * unified hierarchy. On v1 (and hybrid) systems the first non-root path of
 * the cpuset, blkio, memory and devices hierarchies wins, in that order (the
 * hierarchies Netdata's cgroups.plugin reads); then the unified path; then
 * systemd's named hierarchy; then any other controller. A process whose
 * every line says `/` is in the root cgroup.
 *
 * @returns `undefined` when the text has no parsable line (empty file of an
 *   exited process, or a kernel without cgroups)
 */
export function parseProcCgroup(text: string): CgroupMembership | undefined {
  let unified: string | undefined;
  let systemd: string | undefined;
  let other: string | undefined;
  let anyV1 = false;
  const preferred: (string | undefined)[] = [undefined, undefined, undefined, undefined];

  forEachCgroupLine(text, (id, controllers, path) => {
    if (!path.startsWith('/')) return;
    if (id === '0' && controllers === '') {
      unified = path;
      return;
    }
    anyV1 = true;
    for (const controller of controllers.split(',')) {
      const rank = (PREFERRED_V1 as ReadonlyArray<string>).indexOf(controller);
      if (rank >= 0) preferred[rank] = path;
      else if (controller === 'name=systemd') systemd = path;
      else if (path !== '/' && other === undefined) other = path;
    }
  });

  for (let i = 0; i < PREFERRED_V1.length; i++) {
    const path = preferred[i];
    if (path !== undefined && path !== '/') return { version: 1, path, source: PREFERRED_V1[i]! };
  }
  if (unified !== undefined && unified !== '/') return { version: 2, path: unified, source: 'unified' };
  if (systemd !== undefined && systemd !== '/') return { version: 1, path: systemd, source: 'name=systemd' };
  if (other !== undefined) return { version: 1, path: other, source: 'other' };
  if (unified !== undefined) return { version: 2, path: '/', source: 'unified' };
  if (anyV1) {
    const rank = preferred.findIndex((p) => p !== undefined);
    return { version: 1, path: '/', source: rank >= 0 ? PREFERRED_V1[rank]! : systemd !== undefined ? 'name=systemd' : 'other' };
  }
  return undefined;
}

/** Undo systemd's unit-name escaping (`\x2d` -> `-`). */
export function unescapeSystemdName(name: string): string {
  return name.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Make a string safe as the `<name>` of a `cgroup_<name>` chart type: every
 * character outside `[A-Za-z0-9_.-]` becomes `_`, hex runs of 32 digits or
 * more (container and pod ids) are cut to {@link SHORT_ID_LENGTH}, and the
 * result is cut to {@link CGROUP_NAME_MAX} characters.
 */
export function cgroupChartName(raw: string): string {
  const name = raw.replace(/[0-9a-f]{32,}/g, (hex) => hex.slice(0, SHORT_ID_LENGTH)).replace(/[^A-Za-z0-9_.-]/g, '_');
  return name.length > CGROUP_NAME_MAX ? name.slice(0, CGROUP_NAME_MAX) : name;
}

/** Service names keep `@` (template instances such as `getty@tty1`); everything else as chart names. */
function serviceName(unit: string): string {
  const name = unescapeSystemdName(unit).replace(/[^A-Za-z0-9_.@-]/g, '_');
  return name.length > CGROUP_NAME_MAX ? name.slice(0, CGROUP_NAME_MAX) : name;
}

function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

function cgroup(name: string): CgroupClass {
  return { kind: 'cgroup', name: cgroupChartName(name) };
}

const HEX_ID = '[0-9a-f]{12,}';
const CONTAINER_SCOPES: ReadonlyArray<{ re: RegExp; runtime: string | undefined }> = [
  // Runtime monitors (conmon) sit beside the container: not the workload.
  { re: new RegExp(`^libpod-conmon-(${HEX_ID})(?:\\.scope)?$`), runtime: undefined },
  { re: new RegExp(`^crio-conmon-(${HEX_ID})\\.scope$`), runtime: undefined },
  { re: new RegExp(`^docker-(${HEX_ID})\\.scope$`), runtime: 'docker' },
  { re: new RegExp(`^libpod-(${HEX_ID})(?:\\.scope)?$`), runtime: 'podman' },
  { re: new RegExp(`^cri-containerd-(${HEX_ID})\\.scope$`), runtime: 'containerd' },
  { re: new RegExp(`^crio-(${HEX_ID})\\.scope$`), runtime: 'crio' },
];
const BARE_ID = new RegExp(`^${HEX_ID}$`);
const POD_CGROUPFS = /^pod([0-9a-f-]{8,})$/;
const POD_SYSTEMD = /^kubepods(?:-[a-z]+)?-pod([0-9a-f_]{8,})\.slice$/;
const USER_SLICE = /^user-(\d+)\.slice$/;
/** Single-component paths that are runtimes' parents, not workloads (Netdata skips them too). */
const BARE_PARENTS = new Set(['docker', 'lxc', 'machine', 'qemu', 'system', 'systemd', 'user', 'kubepods', 'libpod_parent']);
/** systemd unit types that never hold a workload worth a chart. */
const NON_WORKLOAD_UNIT = /\.(?:slice|mount|swap|socket|device|target|timer|path)$/;

/** A container id found in one path component, and what ran it. */
function containerIn(part: string, parent: string | undefined): { runtime: string; id: string } | null | undefined {
  for (const { re, runtime } of CONTAINER_SCOPES) {
    const m = re.exec(part);
    if (m) return runtime === undefined ? null : { runtime, id: m[1]! };
  }
  if (parent === 'docker' && BARE_ID.test(part)) return { runtime: 'docker', id: part };
  return undefined;
}

function classifyKubernetes(parts: ReadonlyArray<string>, kubepodsAt: number): CgroupClass {
  let pod: string | undefined;
  let podAt = -1;
  for (let i = kubepodsAt; i < parts.length; i++) {
    const m = POD_CGROUPFS.exec(parts[i]!) ?? POD_SYSTEMD.exec(parts[i]!);
    if (m) {
      pod = m[1]!.replace(/[-_]/g, '');
      podAt = i;
      break;
    }
  }
  // Processes of the QoS slices themselves (no pod) are the kubelet's business, not a workload.
  if (pod === undefined) return NONE;
  for (let i = podAt + 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (BARE_ID.test(part)) return cgroup(`k8s_${pod.slice(0, 8)}_${shortId(part)}`);
    const c = containerIn(part, undefined);
    if (c === null) return NONE;
    if (c) return cgroup(`k8s_${pod.slice(0, 8)}_${shortId(c.id)}`);
  }
  return cgroup(`k8s_${pod.slice(0, 8)}`);
}

/**
 * Classify a cgroup path (from {@link parseProcCgroup}).
 *
 * Naming rule, first match wins (`<id>` = first 12 hex digits of a container
 * id; `<pod>` = first 8 hex digits of a pod UID; every name then goes through
 * {@link cgroupChartName}):
 * | path | result |
 * | --- | --- |
 * | `/`, `/init.scope`, `/docker`, `/lxc`, `/machine`, `/system`, `/user`... | nothing |
 * | any component `kubepods*`, then `pod<uid>` or `kubepods-<qos>-pod<uid>.slice`, then a container | cgroup `k8s_<pod>_<id>` (`k8s_<pod>` without a container; nothing without a pod) |
 * | component `docker-<id>.scope`, or `<id>` under `docker/` | cgroup `docker_<id>` |
 * | component `libpod-<id>[.scope]` (rootful, rootless or cgroupfs podman) | cgroup `podman_<id>` |
 * | component `cri-containerd-<id>.scope` / `crio-<id>.scope` | cgroup `containerd_<id>` / `crio_<id>` |
 * | `libpod-conmon-<id>.scope`, `crio-conmon-<id>.scope` (runtime monitors) | nothing |
 * | `/lxc/<name>/...`, `/lxc.payload/<name>/...`, `/lxc.payload.<name>/...` | cgroup `lxc_<name>` (`/lxc.monitor*`: nothing) |
 * | `/machine.slice/machine-<name>.scope/...` | cgroup `machine_<name>` (systemd escapes undone: `qemu-1-vm`) |
 * | `/machine.slice/<unit>.{scope,service}/...` | cgroup `machine_<unit>` |
 * | `/machine/<name>.libvirt-qemu/...` | cgroup `machine_<name>` |
 * | `/user.slice/user-<uid>.slice/session-<n>.scope/...` (login sessions) | nothing |
 * | `/user.slice/user-<uid>.slice/...` (the user's manager and its units) | cgroup `user_<uid>` |
 * | `/system.slice/[<x>.slice/...]<name>.service/...` | service `<name>` (escapes undone, `@` kept: `getty@tty1`) |
 * | `/system.slice/{run-*,session-*}.scope`, leaf `*.slice`, `*.mount`, `*.socket`, `*.swap`... | nothing |
 * | anything else | cgroup = path without the leading `/`, `/` -> `_` (`/system.slice/foo.scope` -> `system.slice_foo.scope`) |
 *
 * Containers are recognised at any depth (rootless podman lives under
 * `user.slice`, kind/k3d nodes under `docker/`), the shallowest one wins,
 * except that Kubernetes wins over the runtime it runs in.
 */
export function classifyCgroupPath(path: string): CgroupClass {
  const parts = path.split('/').filter((p) => p.length > 0);
  const first = parts[0];
  if (first === undefined) return NONE;
  if (parts.length === 1 && (first === 'init.scope' || BARE_PARENTS.has(first))) return NONE;

  const kubepodsAt = parts.findIndex((p) => p === 'kubepods' || p.startsWith('kubepods.') || p.startsWith('kubepods-'));
  if (kubepodsAt >= 0) return classifyKubernetes(parts, kubepodsAt);

  for (let i = 0; i < parts.length; i++) {
    const c = containerIn(parts[i]!, parts[i - 1]);
    if (c === null) return NONE;
    if (c) return cgroup(`${c.runtime}_${shortId(c.id)}`);
  }

  if (first.startsWith('lxc.monitor')) return NONE;
  if ((first === 'lxc' || first === 'lxc.payload') && parts[1] !== undefined) return cgroup(`lxc_${parts[1]}`);
  if (first.startsWith('lxc.payload.')) return cgroup(`lxc_${first.slice('lxc.payload.'.length)}`);

  const second = parts[1];
  if (first === 'machine.slice' && second !== undefined) {
    const unit = unescapeSystemdName(second);
    const m = /^machine-(.+)\.scope$/.exec(unit) ?? /^(.+)\.(?:scope|service)$/.exec(unit);
    return m ? cgroup(`machine_${m[1]}`) : NONE;
  }
  if (first === 'machine' && second !== undefined) {
    return cgroup(`machine_${second.replace(/\.libvirt-(?:qemu|lxc)$/, '')}`);
  }

  if (first === 'user.slice') {
    const user = second === undefined ? null : USER_SLICE.exec(second);
    if (!user) return NONE;
    const third = parts[2];
    if (third !== undefined && /^session-.+\.scope$/.test(third)) return NONE;
    return cgroup(`user_${user[1]}`);
  }

  if (first === 'system.slice') {
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.endsWith('.service')) return { kind: 'service', name: serviceName(part.slice(0, -'.service'.length)) };
      if (!part.endsWith('.slice')) break;
    }
    if (second === undefined || /^(?:run|session)-.+\.scope$/.test(second)) return NONE;
  }

  const last = parts[parts.length - 1]!;
  if (NON_WORKLOAD_UNIT.test(last)) return NONE;
  return cgroup(parts.join('_'));
}

/**
 * What an exiting task's `/proc/<pid>/cgroup` can look like.
 * - `'deleted'`: a unified path ends in ` (deleted)`: the task's cgroup was
 *   removed, which the kernel allows only once no live task is in it, so the
 *   task is a zombie.
 * - `'v1-root'`: at least one v1 line and every v1 line says `/`. From the
 *   moment a task starts exiting (`PF_EXITING`) the kernel prints `/` for
 *   every v1 hierarchy while the unified line keeps the real path, so on a
 *   hybrid host the task seems to move to its v2 cgroup. A live task in the
 *   root of every v1 hierarchy (kernel threads) looks the same: the caller
 *   must check the task's state.
 * - `undefined`: neither.
 */
export type CgroupExitShape = 'deleted' | 'v1-root' | undefined;

/** Which {@link CgroupExitShape} the text of `/proc/<pid>/cgroup` has. */
export function cgroupExitShape(text: string): CgroupExitShape {
  let v1 = 0;
  let v1Root = 0;
  let deleted = false;
  forEachCgroupLine(text, (id, controllers, path) => {
    if (id === '0' && controllers === '') {
      if (path.endsWith(' (deleted)')) deleted = true;
    } else {
      v1++;
      if (path === '/') v1Root++;
    }
  });
  if (deleted) return 'deleted';
  return v1 > 0 && v1 === v1Root ? 'v1-root' : undefined;
}

/** {@link parseProcCgroup} then {@link classifyCgroupPath}; `none` when nothing parses. */
export function classifyProcCgroup(text: string): CgroupClass {
  const membership = parseProcCgroup(text);
  return membership === undefined ? NONE : classifyCgroupPath(membership.path);
}
