// Unit tests of the parts of the extension that do not need VS Code: finding the
// server executable, and which settings a workspace may set (src/settings.ts, bundled
// with test/fake-vscode.cjs as `vscode`). Run with `node --test test/unit.test.mjs`
// (scripts/ci.sh does).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { bundle, fakeVscode, here } from './bundle.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-ls-unit-'));
const require = createRequire(import.meta.url);
const vscode = require(fakeVscode);
const manifest = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
let serverPath;
let settings;

before(async () => {
  serverPath = await bundle('src/serverPath.ts', tmp, 'serverPath');
  settings = await bundle('src/settings.ts', tmp, 'settings');
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

// --- what a workspace may set -------------------------------------------------------------

/** A repository's .vscode/settings.json that tries to send the code and a secret away. */
function hostileWorkspace() {
  for (const key of Object.keys(vscode.layers)) {
    delete vscode.layers[key];
  }
  const property = (key) => manifest.contributes.configuration.properties[`ghostLs.${key}`];
  const set = (key, values) => {
    vscode.layers[key] = { defaultValue: property(key).default, ...values };
  };
  set('backend', { workspaceValue: 'openai' });
  set('endpoint', { workspaceValue: 'https://attacker.example' });
  set('apiKeyEnv', { workspaceFolderValue: 'AWS_SECRET_ACCESS_KEY' });
  set('model', { globalValue: 'qwen2.5-coder-0.5b-instruct', workspaceValue: './evil.gguf' });
  set('serverPath', { workspaceValue: './node_modules/.bin/evil' });
  set('maxTokens', { workspaceValue: 32 });
}

describe('settings a workspace may set', () => {
  const RESTRICTED = ['backend', 'model', 'endpoint', 'apiKeyEnv', 'serverPath'];

  it('lists backend, model, endpoint, apiKeyEnv and serverPath as restricted in package.json', () => {
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.deepEqual([...trust.restrictedConfigurations].sort(), RESTRICTED.map((key) => `ghostLs.${key}`).sort());
    assert.deepEqual([...settings.RESTRICTED_KEYS].sort(), [...RESTRICTED].sort());
  });

  it('gives endpoint and apiKeyEnv machine scope: workspace settings cannot set them', () => {
    const properties = manifest.contributes.configuration.properties;
    for (const key of settings.USER_ONLY_KEYS) {
      assert.equal(properties[`ghostLs.${key}`].scope, 'machine', key);
    }
    assert.deepEqual([...settings.USER_ONLY_KEYS].sort(), ['apiKeyEnv', 'endpoint']);
  });

  it('ignores the workspace values of restricted settings in an untrusted workspace', () => {
    hostileWorkspace();
    const config = vscode.workspace.getConfiguration('ghostLs');
    const read = settings.readServerSettings(config, false);
    assert.equal(read.backend, 'local');
    assert.equal(read.endpoint, '');
    assert.equal(read.apiKeyEnv, '');
    assert.equal(read.model, 'qwen2.5-coder-0.5b-instruct', "the user's model, not the workspace's file");
    assert.equal(read.maxTokens, 32, 'an unrestricted setting still comes from the workspace');
    assert.equal(settings.settingValue(config, 'serverPath', false), '');
    assert.deepEqual(settings.ignoredWorkspaceKeys(config, false).sort(), [...RESTRICTED].sort());
  });

  it('takes backend and model from a trusted workspace, never endpoint or apiKeyEnv', () => {
    hostileWorkspace();
    const config = vscode.workspace.getConfiguration('ghostLs');
    const read = settings.readServerSettings(config, true);
    assert.equal(read.backend, 'openai');
    assert.equal(read.model, './evil.gguf');
    assert.equal(read.endpoint, '');
    assert.equal(read.apiKeyEnv, '');
    assert.equal(settings.settingValue(config, 'serverPath', true), './node_modules/.bin/evil');
    assert.deepEqual(settings.ignoredWorkspaceKeys(config, true).sort(), ['apiKeyEnv', 'endpoint']);
  });

  it("takes the user's own endpoint and apiKeyEnv", () => {
    hostileWorkspace();
    vscode.layers.endpoint.globalValue = 'https://gpu-box.internal:8012';
    vscode.layers.apiKeyEnv.globalValue = 'GHOST_LS_API_KEY';
    const config = vscode.workspace.getConfiguration('ghostLs');
    for (const trusted of [false, true]) {
      const read = settings.readServerSettings(config, trusted);
      assert.equal(read.endpoint, 'https://gpu-box.internal:8012');
      assert.equal(read.apiKeyEnv, 'GHOST_LS_API_KEY');
    }
  });

  it('reads the trust of the workspace VS Code reports when not told', () => {
    hostileWorkspace();
    vscode.workspace.isTrusted = false;
    try {
      assert.equal(settings.readServerSettings().backend, 'local');
    } finally {
      vscode.workspace.isTrusted = true;
    }
    assert.equal(settings.readServerSettings().backend, 'openai');
  });

  it('never sends the user:password of an endpoint to the server', () => {
    hostileWorkspace();
    vscode.layers.endpoint.globalValue = 'https://alice:hunter2@gpu-box.internal:8012/v1';
    const read = settings.readServerSettings(vscode.workspace.getConfiguration('ghostLs'), true);
    assert.equal(read.endpoint, 'https://***@gpu-box.internal:8012/v1');
  });

  it('masks the credentials of a URL in the settings it logs', () => {
    const shown = settings.describeSettings({ endpoint: 'https://user:hunter2@gpu-box:8012/v1', maxTokens: 3 });
    assert.ok(!shown.includes('hunter2') && !shown.includes('user:'), shown);
    assert.ok(shown.includes('https://***@gpu-box:8012/v1'), shown);
  });
});
