// Unit tests of src/attention.ts (bundled with test/fake-vscode.cjs as `vscode`): the
// cursor's resting place goes to the server as ghost/didFocus once per place, after
// REST_MS without a move, and never with ghostLs.warmOnFocus off. Timers are node's
// mock timers: no test waits for real time.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import { createRequire } from 'node:module';
import { bundle, fakeVscode } from './bundle.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-ls-attention-'));
const require = createRequire(import.meta.url);
const vscode = require(fakeVscode);
let attention;

before(async () => {
  attention = await bundle('src/attention.ts', tmp, 'attention');
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function editor(uri, line, character, version = 1) {
  const active = new vscode.Position(line, character);
  return {
    document: { uri: { scheme: 'file', toString: () => uri }, version },
    selection: { active, isEmpty: true },
  };
}

describe('ghost/didFocus', () => {
  let sent;
  let reporter;
  const client = {
    sendNotification: (method, params) => {
      sent.push({ method, params });
      return Promise.resolve();
    },
  };

  beforeEach(() => {
    sent = [];
    delete vscode.config.warmOnFocus;
    reporter?.dispose();
    reporter = new attention.AttentionReporter(
      { client: () => client, enabled: () => true, log: { debug: () => {} } },
      ['file', 'untitled'],
    );
  });

  it('reports a cursor that rests, once per place', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const here1 = editor('file:///a.py', 3, 4);
      vscode.window.activeTextEditor = here1;
      vscode.window.fire('onDidChangeTextEditorSelection', { textEditor: here1 });
      mock.timers.tick(attention.REST_MS - 1);
      assert.equal(sent.length, 0, 'not before the cursor has rested');
      mock.timers.tick(1);
      assert.deepEqual(sent, [
        {
          method: 'ghost/didFocus',
          params: { textDocument: { uri: 'file:///a.py' }, position: { line: 3, character: 4 } },
        },
      ]);
      vscode.window.fire('onDidChangeTextEditorSelection', { textEditor: here1 });
      mock.timers.tick(attention.REST_MS);
      assert.equal(sent.length, 1, 'the same place is not sent again');
      const moved = editor('file:///a.py', 5, 0);
      vscode.window.activeTextEditor = moved;
      vscode.window.fire('onDidChangeTextEditorSelection', { textEditor: moved });
      mock.timers.tick(attention.REST_MS / 2);
      const again = editor('file:///a.py', 6, 0);
      vscode.window.activeTextEditor = again;
      vscode.window.fire('onDidChangeTextEditorSelection', { textEditor: again });
      mock.timers.tick(attention.REST_MS);
      assert.deepEqual(sent.map((m) => m.params.position.line), [3, 6], 'a cursor still moving is not reported');
    } finally {
      mock.timers.reset();
    }
  });

  it('sends nothing when warmOnFocus is off, or for other schemes', () => {
    vscode.config.warmOnFocus = false;
    const here1 = editor('file:///b.py', 1, 0);
    vscode.window.activeTextEditor = here1;
    assert.equal(reporter.report(here1), false);
    delete vscode.config.warmOnFocus;
    const output = editor('output:///log', 1, 0);
    output.document.uri.scheme = 'output';
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      vscode.window.fire('onDidChangeActiveTextEditor', output);
      mock.timers.tick(attention.REST_MS);
    } finally {
      mock.timers.reset();
    }
    assert.equal(sent.length, 0);
  });

  it('stops listening when disposed', () => {
    const before = vscode.window.listenerCount('onDidChangeTextEditorSelection');
    reporter.dispose();
    assert.equal(vscode.window.listenerCount('onDidChangeTextEditorSelection'), before - 1);
    reporter = undefined;
  });
});
