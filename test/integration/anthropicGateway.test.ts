/**
 * Claude anywhere: ANTHROPIC_BASE_URL and aios.anthropic.baseUrl through the real SDK against the
 * local Messages API server standing in for a company gateway, with its extra headers (plain and
 * secret), and the error when the gateway cannot be reached naming settings that exist.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { LlmRequest } from '../../src/kernel/ports/llm';
import { createProvider } from '../../src/llm/factory';
import { EMPTY_MODEL_SETTINGS } from '../../src/llm/modelCatalog';
import { startMessagesServer, type MessagesServer } from '../support/messagesServer';

const KEY = 'sk-ant-gateway-test-0123456789';
const request = (model: string): LlmRequest => ({
  model, session: '1', system: 'You are terse.', tools: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], maxTokens: 64, cache: { system: false, messages: [] },
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('Anthropic through a gateway', () => {
  let server: MessagesServer;
  beforeEach(async () => { server = await startMessagesServer({ apiKey: KEY }); });
  afterEach(() => server.close());

  it('ANTHROPIC_BASE_URL is honoured (the SDK\'s convention), with the key from ANTHROPIC_API_KEY', async () => {
    server.push({ text: 'via env' });
    const { provider, model } = createProvider('claude-sonnet-4-6', { env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: KEY } });
    const res = await provider.call(request(model));
    assert.equal(res.content[0]?.type === 'text' && res.content[0].text, 'via env');
    assert.equal(server.requests.length, 1);
  });

  it('aios.anthropic.baseUrl wins over the variable, and the gateway gets its plain and secret headers', async () => {
    server.push({ text: 'via setting' });
    const { provider, model } = createProvider('anthropic:claude-sonnet-4-6', {
      settings: { ...EMPTY_MODEL_SETTINGS, anthropicBaseUrl: server.url, anthropicHeaders: { 'x-team': 'payments' } },
      credentials: { keys: { anthropic: KEY }, anthropicHeaders: { 'x-gateway-token': 'gw-secret-value' } },
      env: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${await closedPort()}` },
    });
    await provider.call(request(model));
    const got = server.requests[0]!;
    assert.equal(got.headers['x-team'], 'payments');
    assert.equal(got.headers['x-gateway-token'], 'gw-secret-value');
    assert.equal(got.apiKey, KEY);
  });

  it('an unreachable gateway: the error names aios.anthropic.baseUrl and ANTHROPIC_BASE_URL (settings that exist)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { provider, model } = createProvider('claude-sonnet-4-6', { env: { ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: KEY }, anthropic: { maxRetries: 0 } });
    const err = await provider.call(request(model)).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', new RegExp(`Could not reach the Anthropic API at ${url.replace(/[.]/g, '\\.')}.*aios\\.anthropic\\.baseUrl setting or the ANTHROPIC_BASE_URL environment variable`));
    assert.doesNotMatch(err?.message ?? '', /the base URL setting\b(?! \()/);
  });
});
