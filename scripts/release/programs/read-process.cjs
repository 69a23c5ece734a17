const { createLoader } = require('@ebpf-collectors/loader-native');
const { PidTable, createGroupAccumulator, createSilentLogger, loadConfig, resolveConfigDirs } = require('@ebpf-collectors/core');
const { processCollector } = require('@ebpf-collectors/collector-process');
(async () => { const config = { ...(await loadConfig({ dirs: resolveConfigDirs({ env: process.env }) })).collectors.get('process'), apps: false, cgroups: false };
const grouping = new PidTable(), c = await processCollector.start({ config, loader: createLoader(), logger: createSilentLogger(), grouping, createAccumulator: (by, n) => createGroupAccumulator(grouping, by, n), signal: new AbortController().signal });
await c.collect(); await new Promise((r) => setTimeout(r, 1000)); const frame = await c.collect(); c.close();
for (const { chart, values } of frame.charts) console.log(`${chart.type}.${chart.id}`, JSON.stringify(Object.fromEntries([...values].map(([d, v]) => [d, Number(v)])))); })();
