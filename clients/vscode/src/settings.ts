// The server's settings, mirrored one to one by package.json's ghostLs.* properties.
//
// The list of keys is read from the extension's own manifest, so package.json is the
// only place the extension names them; tests/vscode/test_settings_mirror.py checks
// that those keys and defaults equal the server's (ghost_ls.config.defaults_as_wire()).
import * as vscode from 'vscode';
import manifest from '../package.json';

export const SECTION = 'ghostLs';

/** ghostLs.* settings that only the extension reads; never sent to the server. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['enabled', 'serverPath', 'trace.server'];

const PREFIX = `${SECTION}.`;

/** camelCase keys of the server settings (package.json's properties less the client-only ones). */
export const SERVER_KEYS: readonly string[] = Object.keys(manifest.contributes.configuration.properties)
  .filter((key) => key.startsWith(PREFIX))
  .map((key) => key.slice(PREFIX.length))
  .filter((key) => !CLIENT_ONLY_KEYS.includes(key));

export type ServerSettings = Record<string, unknown>;

/** The server settings in effect, camelCase, as the server reads them. */
export function readServerSettings(
  config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration(SECTION),
): ServerSettings {
  const out: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    const value: unknown = config.get(key);
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

/** The payload of initializationOptions and didChangeConfiguration: VS Code's wrapped shape. */
export function wireSettings(settings: ServerSettings = readServerSettings()): { ghostLs: ServerSettings } {
  return { ghostLs: settings };
}

/** Whether a configuration change touches a setting the server reads. */
export function affectsServer(event: vscode.ConfigurationChangeEvent): boolean {
  return SERVER_KEYS.some((key) => event.affectsConfiguration(`${PREFIX}${key}`));
}

/** ghostLs.debounceMs: the delay the server publishes for clients, applied by this one. */
export function debounceMs(): number {
  const value = vscode.workspace.getConfiguration(SECTION).get<number>('debounceMs', 150);
  return Number.isFinite(value) && value >= 0 ? value : 150;
}
