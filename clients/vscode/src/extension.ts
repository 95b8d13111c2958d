// ghost-ls for VS Code: starts `ghost-ls serve` over stdio and shows its suggestions as
// ghost text. See README.md for settings and commands, docs/PROTOCOL.md for the wire.
import { execFile, spawn } from 'node:child_process';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { AttentionReporter } from './attention';
import { GhostInlineCompletionProvider } from './inline';
import { parseModelList } from './models';
import { discoverServer, type Discovery } from './serverPath';
import { SECTION, affectsServer, describeSettings, ignoredWorkspaceKeys, settingValue, wireSettings } from './settings';
import { STATUS_NOTIFICATION, StatusView, isServerStatus } from './status';

/** Documents ghost-ls sees and completes in: files on disk and untitled ones, any language. */
const SELECTOR = [{ scheme: 'file' }, { scheme: 'untitled' }];

class GhostExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private lastStatus = '';
  private serverPath: string | undefined;
  private readonly disposables: { dispose(): unknown }[] = [];
  private readonly log: vscode.LogOutputChannel;
  private readonly status: StatusView;
  /** Serialises start / stop / restart. */
  private lifecycle: Promise<void> = Promise.resolve();

  constructor() {
    this.log = vscode.window.createOutputChannel('ghost-ls', { log: true });
    this.status = new StatusView(SELECTOR);
    this.status.setEnabled(this.enabled());
    this.status.setModel(vscode.workspace.getConfiguration(SECTION).get<string>('model', ''));
    this.disposables.push(this.log, this.status);
  }

  activate(): void {
    const provider = new GhostInlineCompletionProvider({
      client: () => (this.client?.state === State.Running ? this.client : undefined),
      enabled: () => this.enabled(),
      log: this.log,
    });
    const attention = new AttentionReporter(
      {
        client: () => (this.client?.state === State.Running ? this.client : undefined),
        enabled: () => this.enabled(),
        log: this.log,
      },
      SELECTOR.map((filter) => filter.scheme),
    );
    this.disposables.push(
      attention,
      vscode.languages.registerInlineCompletionItemProvider(SELECTOR, provider),
      vscode.commands.registerCommand('ghostLs.enable', () => this.setEnabled(true)),
      vscode.commands.registerCommand('ghostLs.disable', () => this.setEnabled(false)),
      vscode.commands.registerCommand('ghostLs.restartServer', () => this.restart()),
      vscode.commands.registerCommand('ghostLs.showStatus', () => this.showStatus()),
      vscode.commands.registerCommand('ghostLs.pullModel', (name?: unknown) =>
        this.pullModel(typeof name === 'string' ? name : undefined),
      ),
      vscode.commands.registerCommand('ghostLs.showLog', () => {
        this.log.show(true);
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        this.onConfigurationChanged(event);
      }),
      // the workspace's restricted settings (serverPath, backend, model) now apply
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.restart()),
    );
    void this.queue(() => this.start());
  }

  // --- lifecycle ------------------------------------------------------------------------

  private queue(task: () => Promise<void>): Promise<void> {
    this.lifecycle = this.lifecycle.then(task).catch((error: unknown) => {
      this.log.error(`ghost-ls: ${String(error)}`);
    });
    return this.lifecycle;
  }

  private discover(): Discovery {
    const value = settingValue(vscode.workspace.getConfiguration(SECTION), 'serverPath');
    const configured = typeof value === 'string' ? value : '';
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return discoverServer(configured, root);
  }

  private async start(): Promise<void> {
    const found = this.discover();
    if (!found.ok) {
      this.serverPath = undefined;
      this.status.setClientState('notFound');
      this.log.error(found.message);
      void vscode.window.showErrorMessage(found.message, 'Open Settings').then((choice) => {
        if (choice === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.serverPath`);
        }
      });
      return;
    }
    this.serverPath = found.path;
    const ignored = ignoredWorkspaceKeys();
    if (ignored.length) {
      const names = ignored.map((key) => `${SECTION}.${key}`).join(', ');
      this.log.warn(`ignoring this workspace's ${names}: only your user settings set them (see README, Workspace trust)`);
    }
    this.log.info(`starting ${found.path} serve (found via ${found.source})`);
    this.status.setClientState('starting');

    const serverOptions: ServerOptions = {
      command: found.path,
      args: ['serve'],
      transport: TransportKind.stdio,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: SELECTOR,
      outputChannel: this.log,
      initializationOptions: () => wireSettings(),
      middleware: {
        // The server also offers textDocument/completion for editors without inline
        // completion; in VS Code its suggestions are ghost text only, so keep them out
        // of the suggest widget (and do not spend model time on them).
        provideCompletionItem: () => undefined,
      },
    };
    // The id "ghostLs" makes vscode-languageclient follow the setting ghostLs.trace.server.
    const client = new LanguageClient(SECTION, 'ghost-ls', serverOptions, clientOptions);
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      if (isServerStatus(params)) {
        this.status.setServerStatus(params);
        const line = `server status: ${params.kind}${params.message ? ` (${params.message})` : ''}`;
        if (params.kind === 'error') {
          this.log.error(`server: ${params.message}`);
        } else if (params.kind === 'generating' || (params.kind === 'ready' && this.lastStatus === 'generating')) {
          this.log.debug(line); // the two of them come with every model call: debug, not info
        } else {
          this.log.info(line);
        }
        this.lastStatus = params.kind;
      } else {
        this.log.warn(`${STATUS_NOTIFICATION} with unexpected params ${JSON.stringify(params)}`);
      }
    });
    client.onDidChangeState((event) => {
      if (event.newState === State.Running) {
        this.status.setClientState('running');
      } else if (event.newState === State.Stopped && this.client === client) {
        this.status.setClientState('stopped', 'the server stopped; see the ghost-ls output');
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.log.error(`could not start ${found.path}: ${String(error)}`);
      this.status.setClientState('stopped', String(error));
      void vscode.window.showErrorMessage(
        `ghost-ls: the server ${found.path} did not start: ${String(error)}`,
        'Show Log',
      ).then((choice) => {
        if (choice === 'Show Log') {
          this.log.show(true);
        }
      });
    }
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      return;
    }
    try {
      if (client.needsStop()) {
        await client.stop(5000);
      }
    } catch (error) {
      this.log.warn(`stopping the server: ${String(error)}`);
    }
    try {
      await client.dispose();
    } catch {
      // already stopped
    }
    this.status.setClientState('stopped', 'restarting');
  }

  restart(): Promise<void> {
    this.log.info('restarting the server');
    return this.queue(async () => {
      await this.stop();
      await this.start();
    });
  }

  async dispose(): Promise<void> {
    await this.queue(() => this.stop());
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  // --- settings -------------------------------------------------------------------------

  private enabled(): boolean {
    return vscode.workspace.getConfiguration(SECTION).get<boolean>('enabled', true);
  }

  private async setEnabled(enabled: boolean): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const inspected = config.inspect<boolean>('enabled');
    // Write where the value in effect comes from, so the command always takes effect.
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await config.update('enabled', enabled, target);
    this.status.setEnabled(enabled);
    void vscode.window.setStatusBarMessage(`ghost-ls: completions ${enabled ? 'on' : 'off'}`, 3000);
  }

  private onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration(SECTION)) {
      return;
    }
    if (event.affectsConfiguration(`${SECTION}.enabled`)) {
      this.status.setEnabled(this.enabled());
    }
    if (event.affectsConfiguration(`${SECTION}.serverPath`)) {
      const found = this.discover();
      if (!found.ok || found.path !== this.serverPath) {
        void this.restart();
        return;
      }
    }
    if (affectsServer(event)) {
      const client = this.client;
      if (client?.isRunning()) {
        const settings = wireSettings();
        this.log.info(`sending settings ${describeSettings(settings.ghostLs)}`);
        void client
          .sendNotification(DidChangeConfigurationNotification.type, { settings })
          .catch((error: unknown) => {
            this.log.error(`workspace/didChangeConfiguration failed: ${String(error)}`);
          });
      }
    }
  }

  // --- commands -------------------------------------------------------------------------

  private async showStatus(): Promise<void> {
    const client = this.client;
    if (!client?.isRunning()) {
      const action = await vscode.window.showWarningMessage(
        `ghost-ls: the server is not running (${this.status.label.replace('$(sparkle) ', '')}).`,
        'Restart Server',
        'Show Log',
      );
      if (action === 'Restart Server') {
        await this.restart();
      } else if (action === 'Show Log') {
        this.log.show(true);
      }
      return;
    }
    let status: Record<string, unknown>;
    try {
      status = await this.requestStatus(client);
    } catch (error) {
      void vscode.window.showErrorMessage(`ghost-ls: ghost/status failed: ${String(error)}`);
      return;
    }
    const text = JSON.stringify(status, null, 2);
    this.log.info(`ghost/status ${text}`);
    const fmt = (value: unknown, unit = ''): string =>
      typeof value === 'number' ? `${Math.round(value * 10) / 10}${unit}` : '–';
    const str = (value: unknown): string =>
      typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
    const summary =
      `ghost-ls: ${str(status.state)}, model ${str(status.model)}, ${str(status.backend)}, ` +
      `last ${fmt(status.lastLatencyMs, ' ms')}, ${fmt(status.tokensPerSecond, ' tok/s')}, ` +
      `${str(status.requests)} requests`;
    const action = await vscode.window.showInformationMessage(summary, 'Details');
    if (action === 'Details') {
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: text });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  }

  /** A catalog name from `ghost-ls models list --json`, or typed. */
  private async pickModel(serverPath: string): Promise<string | undefined> {
    const listing = await new Promise<string>((resolve) => {
      execFile(serverPath, ['models', 'list', '--json'], { timeout: 20_000 }, (error, stdout) => {
        resolve(error ? '' : stdout);
      });
    });
    const other = '$(edit) Other…';
    const items: vscode.QuickPickItem[] = parseModelList(listing).map((model) => ({
      label: model.name,
      description: model.present ? 'downloaded' : model.sizeMb ? `${model.sizeMb} MB` : undefined,
      detail: model.description,
    }));
    const current = vscode.workspace.getConfiguration(SECTION).get<string>('model', '');
    if (items.length) {
      const picked = await vscode.window.showQuickPick([...items, { label: other }], {
        title: 'ghost-ls: Pull Model',
        placeHolder: `The model to download (the current one is ${current})`,
        matchOnDetail: true,
        ignoreFocusOut: true,
      });
      if (picked?.label !== other) {
        return picked?.label;
      }
    }
    return vscode.window.showInputBox({
      title: 'ghost-ls: Pull Model',
      prompt: 'A catalog name (see `ghost-ls models list`), e.g. qwen2.5-coder-1.5b',
      value: current,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Give a model name'),
    });
  }

  /** `ghost/status` takes no params (docs/PROTOCOL.md), so none are sent. */
  private async requestStatus(client: LanguageClient): Promise<Record<string, unknown>> {
    return client.sendRequest<Record<string, unknown>>('ghost/status');
  }

  private async pullModel(name?: string): Promise<void> {
    const found = this.discover();
    if (!found.ok) {
      void vscode.window.showErrorMessage(found.message);
      return;
    }
    const model = name ?? (await this.pickModel(found.path));
    if (!model?.trim()) {
      return;
    }
    const modelName = model.trim();
    const args = ['models', 'pull', modelName];
    this.log.info(`running ${found.path} ${args.join(' ')}`);
    const code = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `ghost-ls: pulling ${modelName}`,
        cancellable: true,
      },
      (progress, token) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(found.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
          token.onCancellationRequested(() => child.kill());
          const onData = (data: Buffer): void => {
            const text = data.toString();
            this.log.info(text.trimEnd());
            const last = text.trim().split(/[\r\n]+/).pop();
            if (last) {
              progress.report({ message: last.slice(0, 120) });
            }
          };
          child.stdout.on('data', onData);
          child.stderr.on('data', onData);
          child.on('error', (error) => {
            this.log.error(`${found.path} ${args.join(' ')}: ${String(error)}`);
            resolve(null);
          });
          child.on('close', (exitCode) => {
            resolve(exitCode);
          });
        }),
    );
    if (code === 0) {
      const current = vscode.workspace.getConfiguration(SECTION).get<string>('model', '');
      if (current === modelName) {
        void vscode.window.showInformationMessage(`ghost-ls: ${modelName} is ready.`);
        return;
      }
      const use = await vscode.window.showInformationMessage(
        `ghost-ls: ${modelName} is ready.`,
        `Use ${modelName}`,
      );
      if (use) {
        await vscode.workspace
          .getConfiguration(SECTION)
          .update('model', modelName, vscode.ConfigurationTarget.Global);
      }
    } else {
      const action = await vscode.window.showErrorMessage(
        `ghost-ls: pulling ${modelName} failed${code === null ? '' : ` (exit code ${code})`}; see the ghost-ls output.`,
        'Show Log',
      );
      if (action === 'Show Log') {
        this.log.show(true);
      }
    }
  }
}

let extension: GhostExtension | undefined;

export function activate(_context: vscode.ExtensionContext): void {
  extension = new GhostExtension();
  extension.activate();
}

export async function deactivate(): Promise<void> {
  const current = extension;
  extension = undefined;
  await current?.dispose();
}
