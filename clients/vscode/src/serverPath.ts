// Finding the `ghost-ls` executable: the setting ghostLs.serverPath, else PATH.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SERVER_NAME = 'ghost-ls';

/** Where the server was found, or why it was not. */
export type Discovery =
  | { readonly ok: true; readonly path: string; readonly source: 'setting' | 'PATH' }
  | { readonly ok: false; readonly message: string };

/** One-line instructions shown with every "not found" error. */
export const INSTALL_HINT =
  'Install the server from a checkout of the repository (for example `pipx install /path/to/ghost-ls`), ' +
  'or set "ghostLs.serverPath" to the full path of the ghost-ls executable.';

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function expandHome(value: string): string {
  if (value === '~') {
    return os.homedir();
  }
  if (value.startsWith('~/') || value.startsWith('~\\')) {
    return path.join(os.homedir(), value.slice(2));
  }
  return value;
}

/** The executable called `name` on `envPath` (PATH's value), or undefined. */
export function findOnPath(
  name: string,
  envPath: string | undefined = process.env.PATH,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (!envPath) {
    return undefined;
  }
  const extensions =
    platform === 'win32'
      ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)]
      : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * Resolve the server executable.
 *
 * `configured` is the value of ghostLs.serverPath: an absolute path, `~/...`, a path
 * relative to the first workspace folder, or a bare command name looked up on PATH.
 * Empty means "ghost-ls on PATH".
 */
export function discoverServer(configured: string, workspaceRoot: string | undefined): Discovery {
  const value = configured.trim();
  if (value) {
    const bare = !value.includes('/') && !value.includes('\\') && !value.startsWith('~');
    if (bare) {
      const found = findOnPath(value);
      if (found) {
        return { ok: true, path: found, source: 'setting' };
      }
      return {
        ok: false,
        message: `ghost-ls: "ghostLs.serverPath" is "${value}", which is not an executable on PATH. ${INSTALL_HINT}`,
      };
    }
    let candidate = expandHome(value);
    if (!path.isAbsolute(candidate) && workspaceRoot) {
      candidate = path.resolve(workspaceRoot, candidate);
    }
    if (isExecutableFile(candidate)) {
      return { ok: true, path: candidate, source: 'setting' };
    }
    return {
      ok: false,
      message:
        `ghost-ls: "ghostLs.serverPath" is "${value}", but ${candidate} ` +
        `${fs.existsSync(candidate) ? 'is not an executable file' : 'does not exist'}. ${INSTALL_HINT}`,
    };
  }
  const found = findOnPath(SERVER_NAME);
  if (found) {
    return { ok: true, path: found, source: 'PATH' };
  }
  return {
    ok: false,
    message: `ghost-ls: the server executable "${SERVER_NAME}" was not found on PATH. ${INSTALL_HINT}`,
  };
}
