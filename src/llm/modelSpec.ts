/**
 * What an agent's `model` setting means: `scripted:PATH` is the offline scripted model reading
 * PATH, anything else is an Anthropic model id.
 */

/** A parsed model setting. */
export type ModelSpec = { kind: 'scripted'; path: string } | { kind: 'anthropic'; model: string };

const SCRIPTED = 'scripted:';

/** Parses a model setting such as `claude-sonnet-4-5` or `scripted:./demo.json`. */
export function parseModelSpec(spec: string): ModelSpec {
  const text = spec.trim();
  if (!text) throw new Error('Empty model setting: give an Anthropic model id such as claude-sonnet-4-5, or scripted:PATH');
  if (text.startsWith(SCRIPTED)) {
    const path = text.slice(SCRIPTED.length).trim();
    if (!path) throw new Error(`Model setting '${spec}' names no script: use scripted:PATH, e.g. scripted:./demo.json`);
    return { kind: 'scripted', path };
  }
  return { kind: 'anthropic', model: text };
}
