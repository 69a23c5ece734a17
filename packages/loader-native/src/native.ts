/**
 * Loads the compiled addon. `src/` and `dist/` both sit one level below the
 * package root, so the same relative path works for tests (run from `src/`)
 * and for the published build.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { BpfError } from './errors.js';
import type { NativeBinding } from './internal-types.js';

const require = createRequire(import.meta.url);
const ADDON_PATH = fileURLToPath(new URL('../build/Release/loader_native.node', import.meta.url));

/**
 * The addon's exports. Node's require cache makes repeated calls free, and
 * the addon is loaded only when first used, so importing the package (for its
 * types or error classes) works even where the addon was not built.
 */
export function nativeBinding(): NativeBinding {
  try {
    return require(ADDON_PATH) as NativeBinding;
  } catch (cause) {
    throw new BpfError(
      `load native addon ${ADDON_PATH}: ${cause instanceof Error ? cause.message : String(cause)} ` +
        '(build it with `pnpm --filter @ebpf-collectors/loader-native build`)',
      { code: 'ENOENT', errno: 2, op: 'load native addon', cause },
    );
  }
}
