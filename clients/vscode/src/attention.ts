// Tells the server where attention rests (`ghost/didFocus`): the active editor and a
// cursor that stays put for REST_MS. The server reads that place's prompt in the
// background, so the first suggestion there does not wait for it; any real request
// comes first. Setting ghostLs.warmOnFocus (default true) turns it off.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export const DID_FOCUS_METHOD = 'ghost/didFocus';

/** How long the cursor must rest before the place is reported (milliseconds). */
export const REST_MS = 500;

export interface AttentionHost {
  client(): LanguageClient | undefined;
  enabled(): boolean;
  log: vscode.LogOutputChannel;
}

/** The wire params for a cursor at `position` in `document`. */
export function focusParams(document: vscode.TextDocument, position: vscode.Position): object {
  return {
    textDocument: { uri: document.uri.toString() },
    position: { line: position.line, character: position.character },
  };
}

export class AttentionReporter implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly host: AttentionHost,
    private readonly schemes: readonly string[],
  ) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        this.schedule(editor);
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        this.schedule(event.textEditor);
      }),
    );
  }

  private schedule(editor: vscode.TextEditor | undefined): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!editor || !this.schemes.includes(editor.document.uri.scheme)) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.report(editor);
    }, REST_MS);
  }

  /** Sends the editor's cursor once per place and document version. */
  report(editor: vscode.TextEditor): boolean {
    const client = this.host.client();
    const warm = vscode.workspace.getConfiguration('ghostLs').get<boolean>('warmOnFocus', true);
    if (!client || !warm || !this.host.enabled() || !editor.selection.isEmpty) {
      return false;
    }
    if (vscode.window.activeTextEditor !== editor) {
      return false;
    }
    const { document } = editor;
    const position = editor.selection.active;
    const key = `${document.uri.toString()}:${document.version}:${position.line}:${position.character}`;
    if (key === this.last) {
      return false;
    }
    this.last = key;
    client.sendNotification(DID_FOCUS_METHOD, focusParams(document, position)).catch((error: unknown) => {
      this.host.log.debug(`${DID_FOCUS_METHOD} not sent: ${String(error)}`);
    });
    return true;
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
