// A stand-in for the `vscode` module, just enough of it for src/inline.ts and
// src/settings.ts to run under `node --test` (test/inline.test.mjs bundles them with
// this aliased as `vscode`). Tests set `window.activeTextEditor` and `config`.
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
const window = { activeTextEditor: undefined };

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
    getConfiguration: () => ({ get: (key, fallback) => (key in config ? config[key] : fallback) }),
  },
  config,
};
