// Inline completion (ghost text): VS Code's InlineCompletionItemProvider forwarding
// to the server's LSP 3.18 `textDocument/inlineCompletion`.
//
// vscode-languageclient 9 (the last line that runs on VS Code < 1.106) speaks LSP 3.17
// and has inline completion only as a proposed feature, so the extension registers its
// own provider. Doing it here also lets the extension debounce (ghostLs.debounceMs),
// honour ghostLs.enabled, and make sure every item carries an explicit range.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { debounceMs } from './settings';

// --- the wire (docs/PROTOCOL.md) ------------------------------------------------------

interface WirePosition {
  line: number;
  character: number;
}
interface WireRange {
  start: WirePosition;
  end: WirePosition;
}
interface WireCommand {
  title?: string;
  command: string;
  arguments?: unknown[];
}
interface WireStringValue {
  kind: 'snippet';
  value: string;
}
export interface WireInlineCompletionItem {
  insertText: string | WireStringValue;
  filterText?: string;
  range?: WireRange;
  command?: WireCommand;
}
interface WireInlineCompletionList {
  items: WireInlineCompletionItem[];
}
type WireInlineCompletionResult = WireInlineCompletionList | WireInlineCompletionItem[] | null;

/** LSP InlineCompletionTriggerKind: Invoked = 1, Automatic = 2 (VS Code's enum is 0 / 1). */
export const LSP_TRIGGER_INVOKED = 1;
export const LSP_TRIGGER_AUTOMATIC = 2;

export const INLINE_COMPLETION_METHOD = 'textDocument/inlineCompletion';
const REQUEST_CANCELLED = -32800;
const SERVER_CANCELLED = -32802;
const CONTENT_MODIFIED = -32801;

// --- the provider -----------------------------------------------------------------------

export interface InlineHost {
  /** The running client, or undefined while none is ready. */
  client(): LanguageClient | undefined;
  /** ghostLs.enabled */
  enabled(): boolean;
  log: vscode.LogOutputChannel;
}

function sleep(ms: number, token: vscode.CancellationToken): Promise<void> {
  if (ms <= 0) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      listener.dispose();
      resolve();
    }, ms);
    const listener = token.onCancellationRequested(() => {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    });
  });
}

/** A function, so that TypeScript does not narrow the flag across an `await`. */
function cancelled(token: vscode.CancellationToken): boolean {
  return token.isCancellationRequested;
}

function errorCode(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    return typeof error.code === 'number' ? error.code : undefined;
  }
  return undefined;
}

export class GhostInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  private warnedRange = false;

  constructor(private readonly host: InlineHost) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | undefined> {
    if (!this.host.enabled()) {
      return undefined;
    }
    const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
    if (automatic) {
      await sleep(debounceMs(), token);
    }
    const client = this.host.client();
    if (cancelled(token) || !client?.isRunning()) {
      return undefined;
    }
    const c2p = client.code2ProtocolConverter;
    const selected = context.selectedCompletionInfo;
    const params = {
      textDocument: c2p.asTextDocumentIdentifier(document),
      position: c2p.asPosition(position),
      context: {
        triggerKind: automatic ? LSP_TRIGGER_AUTOMATIC : LSP_TRIGGER_INVOKED,
        selectedCompletionInfo: selected
          ? { range: c2p.asRange(selected.range), text: selected.text }
          : undefined,
      },
    };
    let result: WireInlineCompletionResult;
    try {
      result = await client.sendRequest<WireInlineCompletionResult>(INLINE_COMPLETION_METHOD, params, token);
    } catch (error) {
      const code = errorCode(error);
      if (code !== REQUEST_CANCELLED && code !== SERVER_CANCELLED && code !== CONTENT_MODIFIED) {
        this.host.log.error(`${INLINE_COMPLETION_METHOD} failed: ${String(error)}`);
      }
      return undefined;
    }
    if (cancelled(token) || !result) {
      return undefined;
    }
    const wireItems = Array.isArray(result) ? result : result.items;
    const items = wireItems.map((item) => this.toItem(client, item, document, position));
    return new vscode.InlineCompletionList(items);
  }

  /** One server item as VS Code's, always with an explicit range on the cursor's line. */
  toItem(
    client: LanguageClient,
    item: WireInlineCompletionItem,
    document: vscode.TextDocument,
    position: vscode.Position,
  ): vscode.InlineCompletionItem {
    const insertText =
      typeof item.insertText === 'string' ? item.insertText : new vscode.SnippetString(item.insertText.value);
    const range = this.itemRange(client, item, document, position);
    const result = new vscode.InlineCompletionItem(insertText, range, this.itemCommand(client, item));
    if (item.filterText !== undefined) {
      result.filterText = item.filterText;
    }
    return result;
  }

  private itemRange(
    client: LanguageClient,
    item: WireInlineCompletionItem,
    document: vscode.TextDocument,
    position: vscode.Position,
  ): vscode.Range {
    const atCursor = new vscode.Range(position, position);
    if (!item.range) {
      // Without a range VS Code replaces the word at the cursor and hides any
      // suggestion that does not start with it: insert at the cursor instead.
      this.warnRange('an item without a range');
      return atCursor;
    }
    const range = document.validateRange(client.protocol2CodeConverter.asRange(item.range));
    if (range.start.line !== position.line || range.end.line !== position.line || !range.contains(position)) {
      this.warnRange(`an item whose range ${JSON.stringify(item.range)} is not on the cursor's line around it`);
      return atCursor;
    }
    return range;
  }

  private itemCommand(client: LanguageClient, item: WireInlineCompletionItem): vscode.Command | undefined {
    if (!item.command) {
      return undefined;
    }
    // Server commands (ghost.accepted) exist as VS Code commands only when the server
    // advertised them in executeCommandProvider (vscode-languageclient registers them).
    const advertised = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (!advertised.includes(item.command.command)) {
      return undefined;
    }
    return {
      title: item.command.title ?? '',
      command: item.command.command,
      arguments: item.command.arguments,
    };
  }

  private warnRange(what: string): void {
    if (!this.warnedRange) {
      this.warnedRange = true;
      this.host.log.warn(`the server sent ${what}; inserting at the cursor instead (docs/PROTOCOL.md)`);
    }
  }
}
