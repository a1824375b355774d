/**
 * The model settings (aios.anthropic.*, aios.endpoints, aios.models) as typed values, with
 * validation. No `vscode` here. All of them are machine-scoped in package.json: a workspace must
 * not redirect a key to its own server, or make a priced model look free.
 */
import type { EndpointSetting, ModelFacts, ModelSettings } from '../protocol/modelMethods';
import type { SettingProblem, SettingsReader } from './settingsModel';

/** Header names that carry credentials: refused in settings (they belong in SecretStorage). */
const SECRET_HEADER = /authorization|api[-_]?key|token|secret|password|cookie/i;
const NAME = /^[a-z][a-z0-9_-]{0,31}$/i;
const RESERVED = ['anthropic', 'scripted', 'vscode-lm', 'copilot'];

/** Reads and validates the model settings; bad entries are left out and reported. */
export function readModelSettings(get: SettingsReader, problems: SettingProblem[]): ModelSettings {
  const bad = (key: string, message: string) => void problems.push({ key, message: `${key}: ${message}` });
  const baseUrl = get('anthropic.baseUrl');
  let anthropicBaseUrl = '';
  if (typeof baseUrl === 'string' && baseUrl.trim()) {
    if (isHttpUrl(baseUrl.trim())) anthropicBaseUrl = baseUrl.trim();
    else bad('aios.anthropic.baseUrl', `must be an http(s) URL such as https://gateway.example.com (got ${JSON.stringify(baseUrl)}); using ANTHROPIC_BASE_URL or api.anthropic.com`);
  }
  const anthropicHeaders: Record<string, string> = {};
  for (const [name, value] of entries(get('anthropic.headers'))) {
    if (SECRET_HEADER.test(name)) bad('aios.anthropic.headers', `header '${name}' looks like a credential and settings are not secret: store it with "AIOS: Set API Key" → "Anthropic gateway header" instead; it was not sent`);
    else if (typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name)) bad('aios.anthropic.headers', `header '${name}' must have a token name and a string value; left out`);
    else anthropicHeaders[name] = value;
  }
  const endpoints: Record<string, EndpointSetting> = {};
  for (const [name, raw] of entries(get('endpoints'))) {
    const key = `aios.endpoints.${name}`;
    if (!NAME.test(name) || RESERVED.includes(name)) { bad(key, `an endpoint name is one word (letters, digits, - or _) and not ${RESERVED.join(', ')}; left out`); continue; }
    const e = raw as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e['baseUrl'] !== 'string' || !isHttpUrl(e['baseUrl'])) { bad(key, 'needs "baseUrl", an http(s) URL such as http://127.0.0.1:8000/v1; left out'); continue; }
    const apiKey = e['apiKey'] ?? 'secret';
    if (apiKey !== 'secret' && apiKey !== 'none' && !(typeof apiKey === 'string' && /^env:[A-Z_][A-Z0-9_]*$/i.test(apiKey))) {
      bad(key, `"apiKey" must be "secret" (set with AIOS: Set API Key), "none", or "env:VARIABLE" — never the key itself; left out`);
      continue;
    }
    const models = Array.isArray(e['models']) ? e['models'].filter((m): m is string => typeof m === 'string' && m.trim() !== '').map((m) => m.trim()) : [];
    endpoints[name] = { baseUrl: e['baseUrl'], apiKey: apiKey as EndpointSetting['apiKey'], models, supportsTools: e['supportsTools'] !== false, facts: readFacts(e, key, bad) };
  }
  const models: Record<string, ModelFacts> = {};
  for (const [spec, raw] of entries(get('models'))) models[spec] = readFacts(raw as Record<string, unknown>, `aios.models["${spec}"]`, bad);
  return { anthropicBaseUrl, anthropicHeaders, endpoints, models };
}

function readFacts(raw: Record<string, unknown>, key: string, bad: (key: string, message: string) => void): ModelFacts {
  const facts: ModelFacts = {};
  if (typeof raw !== 'object' || raw === null) return facts;
  for (const field of ['input', 'output', 'cacheRead', 'cacheWrite', 'contextWindow'] as const) {
    const v = raw[field];
    if (v === undefined) continue;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= 0 && (field !== 'contextWindow' || (Number.isInteger(v) && v >= 1000));
    if (ok) facts[field] = v;
    else bad(key, `"${field}" must be ${field === 'contextWindow' ? 'a whole number of tokens, at least 1000' : 'USD per million tokens, a number ≥ 0'} (got ${JSON.stringify(v)}); ignored`);
  }
  return facts;
}

function entries(value: unknown): Array<[string, unknown]> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
