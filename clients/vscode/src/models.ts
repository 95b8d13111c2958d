// The model catalog as `ghost-ls models list --json` prints it: a JSON array with one
// object per model. Only the fields the Pull Model picker shows are read; anything
// else (or output that is not such an array) is ignored.

export interface ModelChoice {
  name: string;
  description: string;
  sizeMb?: number;
  present: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The models in `models list --json` output; [] when it cannot be read. */
export function parseModelList(stdout: string): ModelChoice[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) {
    return [];
  }
  const models: ModelChoice[] = [];
  for (const entry of parsed) {
    if (!isRecord(entry) || typeof entry.name !== 'string' || !entry.name) {
      continue;
    }
    models.push({
      name: entry.name,
      description: typeof entry.description === 'string' ? entry.description : '',
      sizeMb: typeof entry.sizeMb === 'number' ? entry.sizeMb : undefined,
      present: entry.present === true,
    });
  }
  return models;
}
