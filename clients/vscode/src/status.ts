// The language status item: what the server says in ghost/didChangeStatus, plus the
// client's own states (starting, stopped, server not found, disabled).
import * as vscode from 'vscode';

/** `kind` of ghost/didChangeStatus (docs/PROTOCOL.md). */
export type ServerStatusKind = 'loading' | 'ready' | 'generating' | 'error';
export interface ServerStatus {
  kind: ServerStatusKind;
  message: string;
}
export const STATUS_NOTIFICATION = 'ghost/didChangeStatus';

type ClientState = 'starting' | 'running' | 'stopped' | 'notFound';

const LABELS: Record<ServerStatusKind, string> = {
  loading: 'loading model',
  ready: 'ready',
  generating: 'generating',
  error: 'error',
};

export function isServerStatus(value: unknown): value is ServerStatus {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { kind, message } = value as { kind?: unknown; message?: unknown };
  return typeof kind === 'string' && kind in LABELS && (message === undefined || typeof message === 'string');
}

export class StatusView implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private server: ServerStatus | undefined;
  private client: ClientState = 'starting';
  private clientDetail = '';
  private enabled = true;
  private model = '';

  constructor(selector: vscode.DocumentSelector) {
    this.item = vscode.languages.createLanguageStatusItem('ghostLs.status', selector);
    this.item.name = 'ghost-ls';
    this.item.command = { title: 'Details', command: 'ghostLs.showStatus', tooltip: 'ghost-ls: Show Status' };
    this.render();
  }

  /** The last ghost/didChangeStatus, e.g. for `ghostLs.showStatus`. */
  get serverStatus(): ServerStatus | undefined {
    return this.server;
  }

  /** The label shown, e.g. "ready", for tests and messages. */
  get label(): string {
    return this.item.text;
  }

  setServerStatus(status: ServerStatus): void {
    this.server = status;
    if (status.kind === 'ready' && status.message) {
      this.model = status.message;
    }
    this.render();
  }

  setClientState(state: ClientState, detail = ''): void {
    this.client = state;
    this.clientDetail = detail;
    if (state !== 'running') {
      this.server = undefined;
    }
    this.render();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.render();
  }

  setModel(model: string): void {
    if (!this.model) {
      this.model = model;
    }
    this.render();
  }

  private render(): void {
    const item = this.item;
    item.busy = false;
    item.severity = vscode.LanguageStatusSeverity.Information;
    let label: string;
    let detail: string;
    if (this.client === 'notFound') {
      label = 'server not found';
      detail = 'set ghostLs.serverPath';
      item.severity = vscode.LanguageStatusSeverity.Error;
    } else if (this.client === 'stopped') {
      label = 'stopped';
      detail = this.clientDetail || 'ghost-ls: Restart Server';
      item.severity = vscode.LanguageStatusSeverity.Warning;
    } else if (!this.server) {
      label = 'starting';
      detail = this.model;
      item.busy = true;
    } else {
      const { kind, message } = this.server;
      label = LABELS[kind];
      detail = message || this.model;
      item.busy = kind === 'loading' || kind === 'generating';
      if (kind === 'error') {
        item.severity = vscode.LanguageStatusSeverity.Error;
      }
    }
    if (!this.enabled && this.client !== 'notFound') {
      label = `${label}, completions off`;
    }
    item.text = `$(sparkle) ghost-ls: ${label}`;
    item.detail = detail;
    item.accessibilityInformation = { label: `ghost-ls ${label}${detail ? `: ${detail}` : ''}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}
