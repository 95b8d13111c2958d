// Unit tests of src/inline.ts (the inline completion provider) and src/models.ts,
// without VS Code: esbuild bundles them with test/fake-vscode.cjs as `vscode`, and a
// fake language client records what is sent. Run with `node --test` (scripts/ci.sh).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { bundle, fakeVscode } from './bundle.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-ls-inline-'));
const require = createRequire(import.meta.url);
const vscode = require(fakeVscode);
let inline;
let models;

before(async () => {
  inline = await bundle('src/inline.ts', tmp, 'inline');
  models = await bundle('src/models.ts', tmp, 'models');
  vscode.config.debounceMs = 0;
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// --- fakes ------------------------------------------------------------------------------

function fakeLog() {
  const lines = { error: [], warn: [], info: [], debug: [] };
  return {
    lines,
    error: (m) => lines.error.push(m),
    warn: (m) => lines.warn.push(m),
    info: (m) => lines.info.push(m),
    debug: (m) => lines.debug.push(m),
  };
}

function fakeClient(answer) {
  const sent = [];
  return {
    sent,
    isRunning: () => true,
    initializeResult: { capabilities: { executeCommandProvider: { commands: ['ghost.accepted'] } } },
    code2ProtocolConverter: {
      asTextDocumentIdentifier: (doc) => ({ uri: doc.uri }),
      asPosition: (p) => ({ line: p.line, character: p.character }),
      asRange: (r) => ({ start: r.start, end: r.end }),
    },
    protocol2CodeConverter: {
      asRange: (r) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character),
    },
    sendRequest: async (method, params) => {
      sent.push({ method, params });
      if (answer instanceof Error) {
        throw answer;
      }
      return typeof answer === 'function' ? answer() : answer;
    },
    sendNotification: async (method, params) => {
      sent.push({ method, params });
    },
  };
}

function fakeDocument(lines = ['def f():', '    return ']) {
  return {
    uri: 'file:///w/a.py',
    version: 3,
    validateRange: (range) => range,
    lineAt: (line) => ({ text: lines[line] }),
  };
}

const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
const INVOKED = { triggerKind: vscode.InlineCompletionTriggerKind.Invoked };

function setup(answer, document = fakeDocument(), position = new vscode.Position(1, 11)) {
  const client = fakeClient(answer);
  const log = fakeLog();
  const provider = new inline.GhostInlineCompletionProvider({
    client: () => client,
    enabled: () => true,
    log,
  });
  vscode.window.activeTextEditor = {
    document,
    selections: [new vscode.Selection(position, position)],
    selection: new vscode.Selection(position, position),
  };
  const ask = () => provider.provideInlineCompletionItems(document, position, INVOKED, token);
  return { client, log, provider, document, position, ask };
}

function item(insertText, range, id = 7) {
  return { insertText, range, command: { title: 'accepted', command: 'ghost.accepted', arguments: [{ id }] } };
}

const at = (line, character) => ({ line, character });

// --- range validation ---------------------------------------------------------------------

describe('item ranges', () => {
  beforeEach(() => {
    vscode.window.activeTextEditor = undefined;
  });

  it('keeps a range on the cursor line that contains the cursor', async () => {
    const { ask, log } = setup({ items: [item('x)', { start: at(1, 11), end: at(1, 12) })] });
    const [only] = (await ask()).items;
    assert.deepEqual([only.range.start, only.range.end], [new vscode.Position(1, 11), new vscode.Position(1, 12)]);
    assert.equal(only.insertText, 'x)');
    assert.deepEqual(log.lines.warn, []);
  });

  it('inserts at the cursor when the item has no range, and warns once', async () => {
    const { ask, log } = setup({ items: [{ insertText: 'a' }, { insertText: 'b' }] });
    const items = (await ask()).items;
    for (const each of items) {
      assert.ok(each.range.isEmpty && each.range.start.isEqual(new vscode.Position(1, 11)));
    }
    assert.equal(log.lines.warn.length, 1);
    assert.match(log.lines.warn[0], /without a range/);
  });

  it('inserts at the cursor when the range is on another line', async () => {
    const { ask, log } = setup({ items: [item('y', { start: at(0, 0), end: at(1, 11) })] });
    const [only] = (await ask()).items;
    assert.ok(only.range.isEmpty && only.range.start.isEqual(new vscode.Position(1, 11)));
    assert.match(log.lines.warn[0], /not on the cursor's line/);
  });

  it('inserts at the cursor when the range does not contain the cursor', async () => {
    const { ask } = setup({ items: [item('y', { start: at(1, 2), end: at(1, 5) })] });
    const [only] = (await ask()).items;
    assert.ok(only.range.isEmpty && only.range.start.isEqual(new vscode.Position(1, 11)));
  });

  it('keeps only commands the server advertised', async () => {
    const unknown = { insertText: 'z', range: { start: at(1, 11), end: at(1, 11) }, command: { command: 'other' } };
    const { ask } = setup([item('a', { start: at(1, 11), end: at(1, 11) }), unknown]);
    const [known, other] = (await ask()).items;
    assert.equal(known.command.command, 'ghost.accepted');
    assert.equal(other.command, undefined);
  });
});

// --- error filtering ------------------------------------------------------------------------

describe('request errors', () => {
  for (const [code, name] of [
    [-32800, 'RequestCancelled'],
    [-32802, 'ServerCancelled'],
    [-32801, 'ContentModified'],
  ]) {
    it(`${name} (${code}) is not logged`, async () => {
      const { ask, log } = setup(Object.assign(new Error(name), { code }));
      assert.equal(await ask(), undefined);
      assert.deepEqual(log.lines.error, []);
    });
  }

  it('any other error is logged', async () => {
    const { ask, log } = setup(Object.assign(new Error('boom'), { code: -32603 }));
    assert.equal(await ask(), undefined);
    assert.equal(log.lines.error.length, 1);
    assert.match(log.lines.error[0], /textDocument\/inlineCompletion failed: .*boom/);
  });

  it('an error without a code is logged', () => {
    assert.equal(inline.isReportableError(new Error('network')), true);
    assert.equal(inline.isReportableError({ code: -32800 }), false);
  });
});

// --- reports to the server --------------------------------------------------------------------

describe('didShowCompletion and didPartiallyAcceptCompletion', () => {
  it('reports the first item as shown when the editor still shows it', async () => {
    const first = item('a + b', { start: at(1, 11), end: at(1, 11) }, 1);
    const { ask, client } = setup({ items: [first, item('a - b', { start: at(1, 11), end: at(1, 11) }, 2)] });
    await ask();
    const shown = client.sent.filter((m) => m.method === inline.DID_SHOW_METHOD);
    assert.deepEqual(shown, [{ method: inline.DID_SHOW_METHOD, params: { item: first } }]);
  });

  it('does not report an answer for a document that changed meanwhile', async () => {
    const document = fakeDocument();
    const { ask, client } = setup(() => {
      document.version += 1; // the user typed while the server worked
      return { items: [item('a', { start: at(1, 11), end: at(1, 11) })] };
    }, document);
    await ask();
    assert.deepEqual(client.sent.filter((m) => m.method === inline.DID_SHOW_METHOD), []);
  });

  it('does not report an answer when the cursor moved', async () => {
    const { ask, client } = setup(() => {
      const moved = new vscode.Position(0, 3);
      vscode.window.activeTextEditor.selection = new vscode.Selection(moved, moved);
      return { items: [item('a', { start: at(1, 11), end: at(1, 11) })] };
    });
    await ask();
    assert.deepEqual(client.sent.filter((m) => m.method === inline.DID_SHOW_METHOD), []);
  });

  it('does not report an empty answer', async () => {
    const { ask, client } = setup({ items: [] });
    await ask();
    assert.deepEqual(client.sent.filter((m) => m.method === inline.DID_SHOW_METHOD), []);
  });

  it('reports a partial accept with the server item and the accepted length', async () => {
    const wire = item('total + 1', { start: at(1, 11), end: at(1, 11) }, 5);
    const { ask, client, provider } = setup({ items: [wire] });
    const [shown] = (await ask()).items;
    provider.handleDidPartiallyAcceptCompletionItem(shown, 6);
    provider.handleDidPartiallyAcceptCompletionItem(shown, { kind: 0, acceptedLength: 8 });
    const partial = client.sent.filter((m) => m.method === inline.DID_PARTIALLY_ACCEPT_METHOD);
    assert.deepEqual(
      partial.map((m) => m.params),
      [
        { item: wire, acceptedLength: 6 },
        { item: wire, acceptedLength: 8 },
      ],
    );
  });
});

// --- the model picker's listing ------------------------------------------------------------------

describe('models list --json', () => {
  it('reads name, description, size and presence', () => {
    const stdout = JSON.stringify([
      { name: 'qwen2.5-coder-1.5b-instruct', description: 'default', sizeMb: 1066, present: true, extra: 1 },
      { name: 'starcoder2-3b', description: 'FIM', sizeMb: 1800, present: false },
    ]);
    assert.deepEqual(models.parseModelList(stdout), [
      { name: 'qwen2.5-coder-1.5b-instruct', description: 'default', sizeMb: 1066, present: true },
      { name: 'starcoder2-3b', description: 'FIM', sizeMb: 1800, present: false },
    ]);
  });

  it('skips entries without a name and output that is not a JSON array', () => {
    assert.deepEqual(models.parseModelList('[{"description": "x"}, 3, null]'), []);
    assert.deepEqual(models.parseModelList('NAME  SIZE\nqwen 1 GB'), []);
    assert.deepEqual(models.parseModelList('{"name": "a"}'), []);
  });
});
