/**
 * Every first-party collector package's definitions agree with the facts
 * config keeps for Netdata's threads (the placeholders used when a package
 * is not installed), and together they cover all sixteen threads.
 */
import { NETDATA_MODULES, configModules } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { KNOWN_COLLECTOR_PACKAGES, discoverCollectors } from '../src/collectors.js';

describe('first-party collector packages', () => {
  it('each is installed here and provides exactly the modules the plugin expects of it', async () => {
    const found = await discoverCollectors();
    expect(found.broken).toEqual([]);
    expect(found.missing).toEqual([]);
    const provided = found.available.map((d) => d.name).sort();
    expect(provided).toEqual(KNOWN_COLLECTOR_PACKAGES.flatMap((p) => p.modules).sort());
  });

  it("each definition's config facts are Netdata's (config key, file, CLI flag, defaults), so an installed package changes nothing a user configured", async () => {
    const { available } = await discoverCollectors();
    for (const definition of available) {
      const thread = NETDATA_MODULES.find((m) => m.name === definition.name);
      expect(thread, `${definition.name} is one of Netdata's threads`).toBeDefined();
      expect({
        name: definition.name,
        configKeys: [...definition.configKeys],
        configFile: definition.configFile,
        cliFlag: definition.cliFlag,
        enabledByDefault: definition.enabledByDefault,
        defaultCollectPid: definition.defaultCollectPid,
      }).toEqual({
        name: thread!.name,
        configKeys: [...thread!.configKeys],
        configFile: thread!.configFile,
        cliFlag: thread!.cliFlag,
        enabledByDefault: thread!.enabledByDefault,
        defaultCollectPid: thread!.defaultCollectPid,
      });
    }
  });

  it('config takes the installed definitions and keeps placeholders only for threads no package implements', async () => {
    const { available } = await discoverCollectors();
    const modules = configModules(available);
    expect(modules.map((m) => m.name)).toEqual(NETDATA_MODULES.map((m) => m.name));
    for (const m of modules) expect(available.includes(m as never) || !available.some((d) => d.name === m.name)).toBe(true);
  });
});
