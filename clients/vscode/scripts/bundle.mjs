// Bundle the extension into one CommonJS file, dist/extension.js (vscode stays external).
// `--production` minifies and drops the source map (what the .vsix ships).
import { build } from 'esbuild';

const production = process.argv.includes('--production');

await build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  format: 'cjs',
  platform: 'node',
  target: 'node18', // VS Code 1.82 runs extensions on Node 18
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});
