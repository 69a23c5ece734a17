// prepack: copy the repository's shared BPF headers (bpf/include/ebpfc_*.h,
// the one hand-maintained copy) into include/, which the packed package
// ships and the build tool uses outside the repository. include/ is not
// committed.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const from = join(pkg, '../../bpf/include');
const to = join(pkg, 'include');
if (!existsSync(from)) {
  process.stderr.write(`copy-headers: ${from} not found: pack @ebpf-collectors/bpf-tools from the ebpf-collectors repository\n`);
  process.exit(1);
}
rmSync(to, { recursive: true, force: true });
mkdirSync(to);
const headers = readdirSync(from).filter((name) => name.endsWith('.h'));
for (const name of headers) copyFileSync(join(from, name), join(to, name));
process.stderr.write(`copy-headers: ${headers.length} headers -> include/\n`);
