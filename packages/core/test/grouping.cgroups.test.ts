import { describe, expect, it } from 'vitest';
import {
  CGROUP_NAME_MAX,
  cgroupChartName,
  cgroupExitShape,
  classifyCgroupPath,
  classifyProcCgroup,
  parseProcCgroup,
  unescapeSystemdName,
} from '../src/grouping/index.js';

const ID = '3f4e8a1b2c9d00112233445566778899aabbccddeeff00112233445566778899';
const ID12 = '3f4e8a1b2c9d';
const POD_SYSTEMD = 'pod5f1c2a3e_7b6d_4e21_9a0f_123456789abc';
const POD_CGROUPFS = 'pod5f1c2a3e-7b6d-4e21-9a0f-123456789abc';

/** A v1 (hybrid) /proc/<pid>/cgroup as systemd on a v1 host writes it. */
function v1File(paths: { cpuset?: string; blkio?: string; memory?: string; devices?: string; systemd?: string; unified?: string }): string {
  const { cpuset = '/', blkio = '/', memory = '/', devices = '/', systemd = '/', unified = systemd } = paths;
  return [
    `12:pids:${memory}`,
    `11:cpuset:${cpuset}`,
    `10:blkio:${blkio}`,
    `9:memory:${memory}`,
    `8:devices:${devices}`,
    `7:freezer:${cpuset}`,
    `6:cpu,cpuacct:${memory}`,
    `5:net_cls,net_prio:/`,
    `4:perf_event:/`,
    `3:hugetlb:/`,
    `2:rdma:/`,
    `1:name=systemd:${systemd}`,
    `0::${unified}`,
    '',
  ].join('\n');
}

describe('parseProcCgroup', () => {
  it('reads the unified line of a cgroup v2 host', () => {
    expect(parseProcCgroup('0::/system.slice/ssh.service\n')).toEqual({
      version: 2,
      path: '/system.slice/ssh.service',
      source: 'unified',
    });
  });

  it('prefers the cpuset hierarchy on v1, like Netdata', () => {
    const text = v1File({ cpuset: `/docker/${ID}`, blkio: `/docker/${ID}`, memory: `/docker/${ID}`, systemd: `/docker/${ID}` });
    expect(parseProcCgroup(text)).toEqual({ version: 1, path: `/docker/${ID}`, source: 'cpuset' });
  });

  it('skips root paths in cpuset and takes the next preferred hierarchy (systemd on v1)', () => {
    const text = v1File({ blkio: '/system.slice/ssh.service', memory: '/system.slice/ssh.service', systemd: '/system.slice/ssh.service' });
    expect(parseProcCgroup(text)).toEqual({ version: 1, path: '/system.slice/ssh.service', source: 'blkio' });
  });

  it('falls back to the unified path, then to the systemd named hierarchy', () => {
    expect(parseProcCgroup(v1File({ systemd: '/', unified: '/user.slice/user-1000.slice/session-2.scope' }))).toMatchObject({
      version: 2,
      source: 'unified',
    });
    const noUnified = '3:cpuset:/\n1:name=systemd:/system.slice/cron.service\n';
    expect(parseProcCgroup(noUnified)).toEqual({ version: 1, path: '/system.slice/cron.service', source: 'name=systemd' });
  });

  it('uses another controller when only it places the process (a sandbox memory cgroup)', () => {
    const text = '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/68a35561adb195f1ccfd93b5b6da78d5\n3:cpuset:/\n1:cpu:/\n0::/\n';
    expect(parseProcCgroup(text)).toEqual({ version: 1, path: '/process_api/68a35561adb195f1ccfd93b5b6da78d5', source: 'memory' });
  });

  it('reports the root cgroup when every line says /', () => {
    expect(parseProcCgroup('0::/\n')).toEqual({ version: 2, path: '/', source: 'unified' });
    expect(parseProcCgroup(v1File({}))).toMatchObject({ path: '/' });
  });

  it('keeps colons inside the path and ignores lines it cannot parse', () => {
    expect(parseProcCgroup('garbage\n0::/odd:name/x\n')?.path).toBe('/odd:name/x');
    expect(parseProcCgroup('')).toBeUndefined();
    expect(parseProcCgroup('not a cgroup file\n')).toBeUndefined();
  });
});

describe('classifyCgroupPath: systemd services', () => {
  it.each([
    ['/system.slice/ssh.service', 'ssh'],
    ['/system.slice/docker.service', 'docker'],
    ['/system.slice/system-getty.slice/getty@tty1.service', 'getty@tty1'],
    ['/system.slice/systemd-fsck@dev-disk-by\\x2duuid-1234.service', 'systemd-fsck@dev-disk-by-uuid-1234'],
    ['/system.slice/containerd.service/sub', 'containerd'],
  ])('%s -> service %s', (path, name) => {
    expect(classifyCgroupPath(path)).toEqual({ kind: 'service', name });
  });
});

describe('classifyCgroupPath: containers and cgroups', () => {
  it.each([
    // docker: systemd driver, cgroupfs driver (v1 and v2)
    [`/system.slice/docker-${ID}.scope`, `docker_${ID12}`],
    [`/docker/${ID}`, `docker_${ID12}`],
    // podman: rootful, rootless, cgroupfs
    [`/machine.slice/libpod-${ID}.scope/container`, `podman_${ID12}`],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`, `podman_${ID12}`],
    [`/libpod_parent/libpod-${ID}`, `podman_${ID12}`],
    // containerd / cri-o outside Kubernetes
    [`/system.slice/cri-containerd-${ID}.scope`, `containerd_${ID12}`],
    [`/system.slice/crio-${ID}.scope`, `crio_${ID12}`],
    // Kubernetes: systemd driver (all QoS classes) and cgroupfs driver
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice/cri-containerd-${ID}.scope`, `k8s_5f1c2a3e_${ID12}`],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-${POD_SYSTEMD}.slice/crio-${ID}.scope`, `k8s_5f1c2a3e_${ID12}`],
    [`/kubepods.slice/kubepods-${POD_SYSTEMD}.slice/docker-${ID}.scope`, `k8s_5f1c2a3e_${ID12}`],
    [`/kubepods/burstable/${POD_CGROUPFS}/${ID}`, `k8s_5f1c2a3e_${ID12}`],
    [`/kubepods/${POD_CGROUPFS}/${ID}`, `k8s_5f1c2a3e_${ID12}`],
    [`/kubepods/burstable/${POD_CGROUPFS}`, 'k8s_5f1c2a3e'],
    // kind/k3d: Kubernetes inside a docker container
    [`/docker/${ID}/kubepods/besteffort/${POD_CGROUPFS}/aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44`, 'k8s_5f1c2a3e_aa11bb22cc33'],
    // LXC: v1, v2 (LXC 4+) and the payload directory form
    ['/lxc/web01', 'lxc_web01'],
    ['/lxc/web01/init.scope', 'lxc_web01'],
    ['/lxc.payload.web01', 'lxc_web01'],
    ['/lxc.payload/web01/system.slice', 'lxc_web01'],
    // virtual machines and nspawn containers
    ['/machine.slice/machine-qemu\\x2d1\\x2ddebian12.scope/libvirt/vcpu0', 'machine_qemu-1-debian12'],
    ['/machine.slice/systemd-nspawn@web.service/payload', 'machine_systemd-nspawn_web'],
    ['/machine/debian12.libvirt-qemu/emulator', 'machine_debian12'],
    // the user's own service manager and its apps
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope', 'user_1000'],
    ['/user.slice/user-0.slice/user@0.service/init.scope', 'user_0'],
    // anything else: the path itself
    ['/system.slice/foo.scope', 'system.slice_foo.scope'],
    ['/process_api/68a35561adb195f1ccfd93b5b6da78d5', 'process_api_68a35561adb1'],
    ['/my group/sub:dir/ü', 'my_group_sub_dir__'],
  ])('%s -> cgroup %s', (path, name) => {
    expect(classifyCgroupPath(path)).toEqual({ kind: 'cgroup', name });
  });
});

describe('classifyCgroupPath: nothing to chart', () => {
  it.each([
    '/',
    '/init.scope',
    '/docker',
    '/lxc',
    '/system.slice',
    '/system.slice/system-getty.slice',
    '/system.slice/run-r0a1b2c3d4e5f.scope',
    '/system.slice/session-4.scope',
    '/system.slice/var-lib-docker.mount',
    '/user.slice',
    '/user.slice/user-1000.slice/session-3.scope',
    '/user.slice/user-1000.slice/session-c1.scope/extra',
    `/machine.slice/libpod-conmon-${ID}.scope`,
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice/crio-conmon-${ID}.scope`,
    '/kubepods.slice/kubepods-burstable.slice',
    '/lxc.monitor.web01',
    '/lxc.monitor/web01',
  ])('%s', (path) => {
    expect(classifyCgroupPath(path)).toEqual({ kind: 'none' });
  });
});

describe('classifyProcCgroup (whole files)', () => {
  it('classifies a docker container on a v1 host through its cpuset line', () => {
    const text = v1File({ cpuset: `/docker/${ID}`, blkio: `/docker/${ID}`, memory: `/docker/${ID}`, devices: `/docker/${ID}`, systemd: `/docker/${ID}`, unified: '/' });
    expect(classifyProcCgroup(text)).toEqual({ kind: 'cgroup', name: `docker_${ID12}` });
  });

  it('classifies a systemd service on a v1 host whose cpuset is the root', () => {
    const text = v1File({ blkio: '/system.slice/nginx.service', memory: '/system.slice/nginx.service', devices: '/system.slice/nginx.service', systemd: '/system.slice/nginx.service' });
    expect(classifyProcCgroup(text)).toEqual({ kind: 'service', name: 'nginx' });
  });

  it('classifies a login session on v2 as nothing, and an empty file as nothing', () => {
    expect(classifyProcCgroup('0::/user.slice/user-1000.slice/session-3.scope\n')).toEqual({ kind: 'none' });
    expect(classifyProcCgroup('')).toEqual({ kind: 'none' });
  });
});

describe('names', () => {
  it('keeps only [A-Za-z0-9_.-] and shortens long hex ids', () => {
    expect(cgroupChartName('a b/c:d@e.f-g_h')).toBe('a_b_c_d_e.f-g_h');
    expect(cgroupChartName(`x_${ID}`)).toBe(`x_${ID12}`);
    expect(cgroupChartName('deadbeef')).toBe('deadbeef');
  });

  it('caps the length', () => {
    const name = cgroupChartName('x'.repeat(300));
    expect(name).toHaveLength(CGROUP_NAME_MAX);
  });

  it('undoes systemd escapes', () => {
    expect(unescapeSystemdName('machine-qemu\\x2d1\\x2dvm.scope')).toBe('machine-qemu-1-vm.scope');
  });

  it('produces names that are valid chart type suffixes for every classified path', () => {
    const paths = [`/docker/${ID}`, '/machine.slice/machine-qemu\\x2d1\\x2dvm.scope', '/weird path/ä/ö', '/lxc/a b'];
    for (const p of paths) {
      const c = classifyCgroupPath(p);
      expect(c.kind).toBe('cgroup');
      if (c.kind === 'cgroup') expect(c.name).toMatch(/^[A-Za-z0-9_.-]+$/);
    }
  });
});

describe('cgroupExitShape', () => {
  it('tells the shapes an exiting task shows', () => {
    expect(cgroupExitShape('7:blkio:/\n4:memory:/\n0::/ebpfc-rec2\n')).toBe('v1-root');
    expect(cgroupExitShape('7:blkio:/\n1:name=systemd:/\n0::/\n')).toBe('v1-root');
    expect(cgroupExitShape('7:blkio:/\n0::/ebpfc-del (deleted)\n')).toBe('deleted');
    expect(cgroupExitShape('0::/ebpfc-del (deleted)\n')).toBe('deleted');
    expect(cgroupExitShape('7:blkio:/a\n4:memory:/\n0::/b\n')).toBeUndefined();
    expect(cgroupExitShape('0::/system.slice/ssh.service\n')).toBeUndefined();
    expect(cgroupExitShape('')).toBeUndefined();
  });
});
