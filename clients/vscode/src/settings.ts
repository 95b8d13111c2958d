// The server's settings, mirrored one to one by package.json's ghostLs.* properties.
//
// The list of keys is read from the extension's own manifest, so package.json is the
// only place the extension names them; tests/vscode/test_settings_mirror.py checks
// that those keys and defaults equal the server's (ghost_ls.config.defaults_as_wire()).
//
// What a workspace may set: a repository's .vscode/settings.json must not decide where
// your code and your API key go, nor which executable or model file runs. So
// ghostLs.endpoint and ghostLs.apiKeyEnv are read from user (and remote) settings only,
// trusted workspace or not (package.json gives them "scope": "machine" as well), and
// ghostLs.backend, ghostLs.model and ghostLs.serverPath from a workspace only once it is
// trusted (package.json's restrictedConfigurations, which VS Code applies itself; the
// extension checks with inspect() too rather than rely on it).
import * as vscode from 'vscode';
import manifest from '../package.json';

export const SECTION = 'ghostLs';

/** ghostLs.* settings that only the extension reads; never sent to the server. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['enabled', 'serverPath', 'trace.server', 'warmOnFocus'];

const PREFIX = `${SECTION}.`;

/** Settings never taken from workspace or folder settings: where code and the API key go. */
export const USER_ONLY_KEYS: readonly string[] = ['endpoint', 'apiKeyEnv'];

/** Settings taken from workspace or folder settings only in a trusted workspace. */
export const RESTRICTED_KEYS: readonly string[] = ['backend', 'model', 'serverPath', ...USER_ONLY_KEYS];

/** camelCase keys of the server settings (package.json's properties less the client-only ones). */
export const SERVER_KEYS: readonly string[] = Object.keys(manifest.contributes.configuration.properties)
  .filter((key) => key.startsWith(PREFIX))
  .map((key) => key.slice(PREFIX.length))
  .filter((key) => !CLIENT_ONLY_KEYS.includes(key));

export type ServerSettings = Record<string, unknown>;

/** Whether a workspace value of `key` may be used (see the top of this file). */
function workspaceMaySet(key: string, trusted: boolean): boolean {
  return !USER_ONLY_KEYS.includes(key) && (trusted || !RESTRICTED_KEYS.includes(key));
}

/**
 * ghostLs.`key` in effect, without the workspace's or folder's value where a workspace
 * may not set it: then the user's value, else the default.
 */
export function settingValue(
  config: vscode.WorkspaceConfiguration,
  key: string,
  trusted: boolean = vscode.workspace.isTrusted,
): unknown {
  if (workspaceMaySet(key, trusted)) {
    return config.get(key);
  }
  const inspected = config.inspect(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** The keys whose workspace or folder value is being ignored, to say so in the log. */
export function ignoredWorkspaceKeys(
  config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration(SECTION),
  trusted: boolean = vscode.workspace.isTrusted,
): string[] {
  return RESTRICTED_KEYS.filter((key) => {
    if (workspaceMaySet(key, trusted)) {
      return false;
    }
    const inspected = config.inspect(key);
    return inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
  });
}

/** The server settings in effect, camelCase, as the server reads them. */
export function readServerSettings(
  config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration(SECTION),
  trusted: boolean = vscode.workspace.isTrusted,
): ServerSettings {
  const out: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    const value = settingValue(config, key, trusted);
    if (value !== undefined) {
      // a user:password@ in the endpoint never leaves VS Code (the server refuses such a
      // URL all the same, and says so)
      out[key] = key === 'endpoint' && typeof value === 'string' ? redactUrls(value) : value;
    }
  }
  return out;
}

/** `text` with the user:password@ of every URL in it masked (for the log). */
export function redactUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'<>\\]*@/gi, '$1***@');
}

/** The settings as the log shows them: JSON, URLs' credentials masked. */
export function describeSettings(settings: ServerSettings): string {
  const shown: ServerSettings = {};
  for (const [key, value] of Object.entries(settings)) {
    shown[key] = typeof value === 'string' ? redactUrls(value) : value;
  }
  return JSON.stringify(shown);
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
