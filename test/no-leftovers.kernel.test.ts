/**
 * After the plugin exits — by SIGTERM, by Netdata closing its stdout, or by
 * SIGKILL — none of the BPF programs it loaded may remain in the kernel.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfigDir, startPlugin, waitFor } from './plugin-harness.js';

interface ProgInfo {
  id: number;
}

function programs(): ProgInfo[] {
  return JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' })) as ProgInfo[];
}

/** Program ids behind the fds a process holds (program and link fds both show `prog_id` in fdinfo). */
function programsOf(pid: number): number[] {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const match = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (match) ids.add(Number(match[1]));
    } catch {
      // the fd closed while we looked
    }
  }
  return [...ids];
}

function stillLoaded(ids: number[]): number[] {
  const live = new Set(programs().map((p) => p.id));
  return ids.filter((id) => live.has(id));
}

async function startAndWaitForPrograms() {
  const run = startPlugin(['1', '--config-dir', makeConfigDir()]);
  const pid = run.child.pid as number;
  let ids: number[] = [];
  // Programs are attached before the first chart is printed.
  await waitFor(() => run.stdout().includes('BEGIN system.process_thread'), 'the first data block');
  ids = programsOf(pid);
  expect(ids.length, 'the plugin holds BPF programs while it runs').toBeGreaterThan(0);
  return { run, ids };
}

describe('no BPF leftovers after the plugin exits', () => {
  it('on SIGTERM: exit 0 and every program is gone', async () => {
    const { run, ids } = await startAndWaitForPrograms();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code).toBe(0);
    await waitFor(() => stillLoaded(ids).length === 0, 'programs to be freed', 5000);
  });

  it('when Netdata closes the pipe: exit 0 and every program is gone', async () => {
    const { run, ids } = await startAndWaitForPrograms();
    run.child.stdout.destroy();
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(run.stderr()).toMatch(/stopping|output/);
    await waitFor(() => stillLoaded(ids).length === 0, 'programs to be freed', 5000);
  });

  it('on SIGKILL: the kernel frees every program with the process', async () => {
    const { run, ids } = await startAndWaitForPrograms();
    run.child.kill('SIGKILL');
    const { signal } = await run.exited;
    expect(signal).toBe('SIGKILL');
    await waitFor(() => stillLoaded(ids).length === 0, 'programs to be freed', 5000);
  });
});
