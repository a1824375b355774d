/**
 * API keys and secret gateway headers in SecretStorage: where each lives, which providers can take
 * one, and the set the kernel host asks for. Values never leave this file except to the host.
 */
import type * as vscode from 'vscode';
import type { Credentials, ModelSettings } from '../protocol/modelMethods';
import { API_KEY_SECRET } from './commandIds';

/** The SecretStorage key of secret Anthropic gateway headers (one JSON object: name → value). */
export const GATEWAY_HEADERS_SECRET = 'aios.anthropic.secretHeaders';

/** The SecretStorage key of `provider`'s API key (Anthropic's is the one earlier versions used). */
export function apiKeySecret(provider: string): string {
  return provider === 'anthropic' ? API_KEY_SECRET : `aios.apiKey.${provider}`;
}

/** A provider that takes a key from SecretStorage. */
export interface KeyProvider {
  provider: string;
  label: string;
  detail: string;
  /** a sanity check for the input box; null when the key looks plausible */
  validate: (value: string) => string | null;
}

const minLength = (n: number, hint: string) => (v: string) => (v.trim().length < n ? `That does not look like an API key (${hint})` : null);

/** Anthropic, OpenAI, OpenRouter, and every endpoint in aios.endpoints whose apiKey is "secret". */
export function keyProviders(models: ModelSettings): KeyProvider[] {
  const list: KeyProvider[] = [
    { provider: 'anthropic', label: 'Anthropic', detail: models.anthropicBaseUrl ? `Claude through ${models.anthropicBaseUrl}` : 'Claude (api.anthropic.com or ANTHROPIC_BASE_URL)', validate: minLength(20, 'Anthropic keys start with sk-ant-') },
    { provider: 'openai', label: 'OpenAI', detail: 'openai:MODEL, e.g. openai:gpt-4.1', validate: minLength(20, 'OpenAI keys start with sk-') },
    { provider: 'openrouter', label: 'OpenRouter', detail: 'openrouter:VENDOR/MODEL, e.g. openrouter:anthropic/claude-sonnet-4.5', validate: minLength(20, 'OpenRouter keys start with sk-or-') },
  ];
  for (const [name, e] of Object.entries(models.endpoints)) {
    if (e.apiKey === 'secret') list.push({ provider: name, label: name, detail: `endpoint ${e.baseUrl} (aios.endpoints)`, validate: minLength(8, 'at least 8 characters') });
  }
  return list;
}

/** Every key and secret header the host may need. */
export async function readCredentials(secrets: vscode.SecretStorage, models: ModelSettings): Promise<Credentials> {
  const keys: Record<string, string> = {};
  for (const p of keyProviders(models)) {
    const value = (await secrets.get(apiKeySecret(p.provider)))?.trim();
    if (value) keys[p.provider] = value;
  }
  return { keys, anthropicHeaders: await readGatewayHeaders(secrets) };
}

/** The secret gateway headers; a damaged entry reads as none. */
export async function readGatewayHeaders(secrets: vscode.SecretStorage): Promise<Record<string, string>> {
  try {
    const value: unknown = JSON.parse((await secrets.get(GATEWAY_HEADERS_SECRET)) ?? '{}');
    if (typeof value !== 'object' || value === null) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
