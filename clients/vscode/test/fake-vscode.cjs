// A stand-in for the `vscode` module, just enough of it for src/inline.ts and
// src/settings.ts to run under `node --test` (test/inline.test.mjs and
// test/unit.test.mjs bundle them with this aliased as `vscode`). Tests set
// `window.activeTextEditor`, `config` (plain values), `layers` (a key's values by
// where they are set, as `inspect()` reports them) and `workspace.isTrusted`.
'use strict';

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
  isEqual(other) {
    return this.line === other.line && this.character === other.character;
  }
  isBefore(other) {
    return this.line < other.line || (this.line === other.line && this.character < other.character);
  }
}

class Range {
  constructor(a, b, c, d) {
    this.start = a instanceof Position ? a : new Position(a, b);
    this.end = a instanceof Position ? b : new Position(c, d);
  }
  contains(position) {
    return !position.isBefore(this.start) && !this.end.isBefore(position);
  }
  get isEmpty() {
    return this.start.isEqual(this.end);
  }
}

class Selection extends Range {
  constructor(anchor, active) {
    super(anchor, active);
    this.anchor = anchor;
    this.active = active;
  }
}

class SnippetString {
  constructor(value) {
    this.value = value;
  }
}

class InlineCompletionItem {
  constructor(insertText, range, command) {
    this.insertText = insertText;
    this.range = range;
    this.command = command;
  }
}

class InlineCompletionList {
  constructor(items) {
    this.items = items;
  }
}

const config = {};
const layers = {};
// Events the tests fire: window.fire('onDidChangeTextEditorSelection', event).
const listeners = { onDidChangeActiveTextEditor: [], onDidChangeTextEditorSelection: [] };
function event(name) {
  return (listener) => {
    listeners[name].push(listener);
    return { dispose: () => listeners[name].splice(listeners[name].indexOf(listener), 1) };
  };
}
const window = {
  activeTextEditor: undefined,
  onDidChangeActiveTextEditor: event('onDidChangeActiveTextEditor'),
  onDidChangeTextEditorSelection: event('onDidChangeTextEditorSelection'),
  fire: (name, value) => listeners[name].forEach((listener) => listener(value)),
  listenerCount: (name) => listeners[name].length,
};

// VS Code's precedence: folder over workspace over user over default.
function effective(layer) {
  return layer.workspaceFolderValue ?? layer.workspaceValue ?? layer.globalValue ?? layer.defaultValue;
}

const configuration = {
  get: (key, fallback) => {
    if (key in layers) {
      return effective(layers[key]) ?? fallback;
    }
    return key in config ? config[key] : fallback;
  },
  inspect: (key) => (key in layers ? { key, ...layers[key] } : { key, globalValue: config[key] }),
};

module.exports = {
  Position,
  Range,
  Selection,
  SnippetString,
  InlineCompletionItem,
  InlineCompletionList,
  InlineCompletionTriggerKind: { Invoked: 0, Automatic: 1 },
  window,
  workspace: {
    isTrusted: true,
    getConfiguration: () => configuration,
  },
  config,
  layers,
};
