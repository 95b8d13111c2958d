// Inline completion (ghost text): VS Code's InlineCompletionItemProvider forwarding
// to the server's LSP 3.18 `textDocument/inlineCompletion`.
//
// vscode-languageclient 9 (the last line that runs on VS Code < 1.106) speaks LSP 3.17
// and has inline completion only as a proposed feature, so the extension registers its
// own provider. Doing it here also lets the extension debounce (ghostLs.debounceMs),
// honour ghostLs.enabled, and make sure every item carries an explicit range.
//
// It also reports back what the server's prefetch and statistics need (docs/PROTOCOL.md):
// - textDocument/didShowCompletion: VS Code's stable API has no "item shown" event
//   (handleDidShowCompletionItem is the proposed inlineCompletionsAdditions API, which
//   a published extension cannot enable). The approximation: an answer is reported as
//   shown when the provider returns items and the editor still shows that document,
//   at that version, with the cursor where it was asked; VS Code then renders the
//   first item. An answer VS Code drops anyway (the user typed on) is over-counted.
// - textDocument/didPartiallyAcceptCompletion: from handleDidPartiallyAcceptCompletionItem,
//   which VS Code calls only where that proposed API is enabled (e.g. run with
//   --enable-proposed-api); elsewhere no partial accept can be observed reliably.
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
export const DID_SHOW_METHOD = 'textDocument/didShowCompletion';
export const DID_PARTIALLY_ACCEPT_METHOD = 'textDocument/didPartiallyAcceptCompletion';
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

/** Whether a failed request is worth an error in the log (not a cancellation). */
export function isReportableError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== REQUEST_CANCELLED && code !== SERVER_CANCELLED && code !== CONTENT_MODIFIED;
}

/** The editor still shows `document` at `version` with the cursor at `position`. */
function stillShowing(document: vscode.TextDocument, version: number, position: vscode.Position): boolean {
  const editor = vscode.window.activeTextEditor;
  return (
    editor?.document === document &&
    document.version === version &&
    editor.selections.length === 1 &&
    editor.selection.isEmpty &&
    editor.selection.active.isEqual(position)
  );
}

/** `handleDidPartiallyAcceptCompletionItem`'s second argument, in both shapes it had. */
type PartialAcceptInfo = number | { acceptedLength: number };

export class GhostInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  private warnedRange = false;
  /** The server's item behind each item handed to VS Code (for the reports). */
  private readonly wireItems = new WeakMap<vscode.InlineCompletionItem, WireInlineCompletionItem>();

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
    const version = document.version;
    let result: WireInlineCompletionResult;
    try {
      result = await client.sendRequest<WireInlineCompletionResult>(INLINE_COMPLETION_METHOD, params, token);
    } catch (error) {
      if (isReportableError(error)) {
        this.host.log.error(`${INLINE_COMPLETION_METHOD} failed: ${String(error)}`);
      }
      return undefined;
    }
    if (cancelled(token) || !result) {
      return undefined;
    }
    const wireItems = Array.isArray(result) ? result : result.items;
    const items = wireItems.map((item) => {
      const converted = this.toItem(client, item, document, position);
      this.wireItems.set(converted, item);
      return converted;
    });
    const first = wireItems[0];
    if (first && stillShowing(document, version, position)) {
      this.notify(client, DID_SHOW_METHOD, { item: first });
    }
    return new vscode.InlineCompletionList(items);
  }

  /** Called by VS Code where the proposed inlineCompletionsAdditions API is enabled. */
  handleDidPartiallyAcceptCompletionItem(item: vscode.InlineCompletionItem, info: PartialAcceptInfo): void {
    const client = this.host.client();
    const wire = this.wireItems.get(item);
    if (!client?.isRunning() || !wire) {
      return;
    }
    const acceptedLength = typeof info === 'number' ? info : info.acceptedLength;
    this.notify(client, DID_PARTIALLY_ACCEPT_METHOD, { item: wire, acceptedLength });
  }

  private notify(client: LanguageClient, method: string, params: object): void {
    client.sendNotification(method, params).catch((error: unknown) => {
      this.host.log.debug(`${method} not sent: ${String(error)}`);
    });
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
