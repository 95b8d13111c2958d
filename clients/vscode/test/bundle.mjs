// Bundles an extension module for the unit tests with esbuild, `vscode` resolved to
// test/fake-vscode.cjs: the same instance the tests drive, required at run time.
import { build } from 'esbuild';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fakeVscode = path.join(here, 'test/fake-vscode.cjs');
const require = createRequire(import.meta.url);

/** `entry` (relative to the extension folder) bundled into `tmp`, then required. */
export async function bundle(entry, tmp, name) {
  const outfile = path.join(tmp, `${name}.cjs`);
  await build({
    entryPoints: [path.join(here, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    plugins: [
      {
        name: 'fake-vscode',
        setup(builder) {
          builder.onResolve({ filter: /^vscode$/ }, () => ({ path: fakeVscode, external: true }));
        },
      },
    ],
    external: ['vscode-languageclient'],
    logLevel: 'silent',
  });
  return require(outfile);
}
