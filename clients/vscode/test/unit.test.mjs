// Unit tests of the parts of the extension that do not need VS Code: finding the
// server executable. Run with `node --test test/unit.test.mjs` (scripts/ci.sh does).
import { build } from 'esbuild';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-ls-unit-'));
let serverPath;

before(async () => {
  const outfile = path.join(tmp, 'serverPath.cjs');
  await build({
    entryPoints: [path.join(here, 'src/serverPath.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
  });
  serverPath = createRequire(import.meta.url)(outfile);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function makeExecutable(dir, name, mode = 0o755) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, mode);
  return file;
}

describe('server discovery', () => {
  it('finds ghost-ls on PATH, first match wins', () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    makeExecutable(b, 'ghost-ls');
    const first = makeExecutable(a, 'ghost-ls');
    assert.equal(serverPath.findOnPath('ghost-ls', [path.join(tmp, 'none'), a, b].join(path.delimiter)), first);
  });

  it('skips files that are not executable, and directories', () => {
    const c = path.join(tmp, 'c');
    makeExecutable(c, 'ghost-ls', 0o644);
    fs.mkdirSync(path.join(tmp, 'd', 'ghost-ls'), { recursive: true });
    assert.equal(serverPath.findOnPath('ghost-ls', [c, path.join(tmp, 'd')].join(path.delimiter)), undefined);
    assert.equal(serverPath.findOnPath('ghost-ls', ''), undefined);
  });

  it('uses ghostLs.serverPath when it names an executable', () => {
    const exe = makeExecutable(path.join(tmp, 'venv', 'bin'), 'ghost-ls');
    assert.deepEqual(serverPath.discoverServer(exe, undefined), { ok: true, path: exe, source: 'setting' });
    assert.deepEqual(serverPath.discoverServer(`  ${exe} `, undefined).ok, true);
  });

  it('resolves a relative ghostLs.serverPath against the workspace folder', () => {
    const exe = makeExecutable(path.join(tmp, 'ws', '.venv', 'bin'), 'ghost-ls');
    const found = serverPath.discoverServer('.venv/bin/ghost-ls', path.join(tmp, 'ws'));
    assert.deepEqual(found, { ok: true, path: exe, source: 'setting' });
  });

  it('explains a wrong ghostLs.serverPath and how to fix it', () => {
    const missing = path.join(tmp, 'nowhere', 'ghost-ls');
    const found = serverPath.discoverServer(missing, undefined);
    assert.equal(found.ok, false);
    assert.match(found.message, /ghostLs\.serverPath/);
    assert.match(found.message, /does not exist/);
    assert.match(found.message, /pipx install \/path\/to\/ghost-ls/);
    const notExec = path.join(tmp, 'c', 'ghost-ls');
    assert.match(serverPath.discoverServer(notExec, undefined).message, /not an executable file/);
  });

  it('falls back to PATH, with a clear error when absent', () => {
    const saved = process.env.PATH;
    try {
      process.env.PATH = path.join(tmp, 'empty');
      const found = serverPath.discoverServer('', undefined);
      assert.equal(found.ok, false);
      assert.match(found.message, /"ghost-ls" was not found on PATH/);
      assert.match(found.message, /set "ghostLs\.serverPath"/);
      process.env.PATH = path.join(tmp, 'a');
      assert.deepEqual(serverPath.discoverServer('', undefined), {
        ok: true,
        path: path.join(tmp, 'a', 'ghost-ls'),
        source: 'PATH',
      });
    } finally {
      process.env.PATH = saved;
    }
  });
});
