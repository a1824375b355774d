/**
 * Attack: an endpoint that echoes the credentials it was sent (in an HTTP error, in an error event
 * inside the stream, in a gateway's message) must not get them into the log, the events, the
 * audit, an agent's failure reason, or anywhere in the database file. For every provider that
 * takes a key: Anthropic (key and a secret gateway header), OpenAI, OpenRouter, a named endpoint.
 * (VS Code language models take no key of ours: the editor holds the sign-in.)
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession, type SessionOptions } from '../../src/session/kernelSession';
import type { ApprovalClient } from '../../src/kernel/ports/approvals';
import { EMPTY_MODEL_SETTINGS } from '../../src/llm/modelCatalog';
import type { Credentials, ModelSettings } from '../../src/protocol/modelMethods';
import { startMessagesServer, type MessagesServer } from '../support/messagesServer';
import { startOpenAiServer, type OpenAiServer } from '../support/openaiServer';

const deny: ApprovalClient = { ask: async () => ({ decision: 'deny', reason: 'test' }) };
const noSleep = async () => {};

interface Case {
  name: string;
  spec: string;
  secrets: string[];
  /** starts the server, injects two echoing faults, returns what the session needs */
  setup(): Promise<{ close(): Promise<void>; settings: ModelSettings; credentials: Credentials; env: Record<string, string>; received(): string[] }>;
}

const ANTHROPIC_KEY = 'sk-ant-api03-LEAKCHECK-a1b2c3d4e5f6';
const GATEWAY_TOKEN = 'gw-tok-LEAKCHECK-9988776655';
const OPENAI_KEY = 'sk-proj-LEAKCHECK-0f0e0d0c0b0a';
const OPENROUTER_KEY = 'sk-or-v1-LEAKCHECK-1234567890ab';
const WORK_KEY = 'work-LEAKCHECK-key-5566778899';

async function openAiCase(key: string, endpoint: 'openrouter' | 'work' | null) {
  const server: OpenAiServer = await startOpenAiServer({ apiKey: key });
  server.fail(1, { kind: 'status', status: 400, echoKey: true, message: 'Invalid request' });
  server.fail(1, { kind: 'stream-error', afterChunks: 1, echoKey: true });
  server.push({ text: 'x' }, { text: 'y' });
  const settings: ModelSettings = { ...EMPTY_MODEL_SETTINGS, endpoints: {} };
  const credentials: Credentials = { keys: {}, anthropicHeaders: {} };
  const env: Record<string, string> = {};
  if (endpoint === null) Object.assign(env, { OPENAI_API_KEY: key, OPENAI_BASE_URL: server.url });
  if (endpoint === 'openrouter') {
    settings.endpoints['openrouter'] = { baseUrl: server.url, apiKey: 'secret', models: [], supportsTools: true, facts: {} };
    credentials.keys['openrouter'] = key;
  }
  if (endpoint === 'work') {
    settings.endpoints['work'] = { baseUrl: server.url, apiKey: 'env:WORK_KEY', models: [], supportsTools: true, facts: {} };
    env['WORK_KEY'] = key;
  }
  return { close: () => server.close(), settings, credentials, env, received: () => server.requests.map((r) => r.apiKey ?? '') };
}

const CASES: Case[] = [
  {
    name: 'Anthropic (key and secret gateway header)', spec: 'claude-sonnet-4-6', secrets: [ANTHROPIC_KEY, GATEWAY_TOKEN],
    async setup() {
      const server: MessagesServer = await startMessagesServer({ apiKey: ANTHROPIC_KEY });
      server.fail(1, { kind: 'status', status: 400, echoKey: true, message: `gateway rejected x-gateway-token ${GATEWAY_TOKEN}` });
      server.fail(1, { kind: 'stream-error', errorType: 'api_error', echoKey: true });
      server.push({ text: 'x' }, { text: 'y' });
      return {
        close: () => server.close(),
        settings: { ...EMPTY_MODEL_SETTINGS, anthropicBaseUrl: server.url },
        credentials: { keys: { anthropic: ANTHROPIC_KEY }, anthropicHeaders: { 'x-gateway-token': GATEWAY_TOKEN } },
        env: {},
        received: () => server.requests.map((r) => `${r.apiKey ?? ''} ${r.headers['x-gateway-token'] ?? ''}`),
      };
    },
  },
  { name: 'OpenAI', spec: 'openai:gpt-4.1', secrets: [OPENAI_KEY], setup: () => openAiCase(OPENAI_KEY, null) },
  { name: 'OpenRouter', spec: 'openrouter:anthropic/claude-sonnet-4.5', secrets: [OPENROUTER_KEY], setup: () => openAiCase(OPENROUTER_KEY, 'openrouter') },
  { name: 'a named endpoint (key from env:)', spec: 'work:qwen3-coder', secrets: [WORK_KEY], setup: () => openAiCase(WORK_KEY, 'work') },
];

describe('no secret in logs, events, audit, errors or the database, for every provider', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'aios-secrets-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`${c.name}: an endpoint echoing the credentials in an HTTP error and in the stream`, async () => {
      const env = await c.setup();
      const logs: string[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void logs.push(args.map(String).join(' '));
      const workspace = join(dir, 'ws');
      const dbPath = join(dir, 'aios.db');
      rmSync(workspace, { recursive: true, force: true });
      mkdirSync(workspace, { recursive: true });
      writeFileSync(join(workspace, 'README.md'), '# demo\n');
      const options: SessionOptions = {
        dbPath, workspace, approvals: deny, sandbox: false, controlPollMs: 0, log: (l) => void logs.push(l),
        providers: {
          settings: env.settings, credentials: env.credentials, env: env.env,
          anthropic: { maxRetries: 0, sleep: noSleep, log: (_l, m) => void logs.push(m) },
          openai: { maxRetries: 0, sleep: noSleep, log: (_l, m) => void logs.push(m) },
        },
      };
      const session = KernelSession.open(options);
      try {
        const a = session.kernel.spawn({ task: 'first', model: c.spec, role: 'reviewer', capabilities: ['fs.read'] });
        const b = session.kernel.spawn({ task: 'second', model: c.spec, role: 'reviewer', capabilities: ['fs.read'] });
        await session.runtime.idle();
        const agents = [a.pid, b.pid].map((pid) => session.kernel.agents.find(pid)!);
        assert.deepEqual(agents.map((x) => x.state), ['failed', 'failed'], 'both calls failed on the echoing endpoint');
        assert.ok(env.received().some((r) => c.secrets.every((s) => r.includes(s))), 'the endpoint did get the credentials');
        const texts = [
          ...agents.map((x) => x.reason ?? ''),
          JSON.stringify(session.store.queryEvents({ limit: 10_000 })),
          JSON.stringify(session.store.queryAudit(10_000)),
          ...logs,
        ];
        for (const secret of c.secrets) {
          for (const t of texts) assert.ok(!t.includes(secret), `leaked ${secret.slice(0, 12)}… in: ${t.slice(0, 300)}`);
        }
        assert.ok(agents.some((x) => /\[redacted\]/.test(x.reason ?? '')), `the echo is visible as [redacted]: ${agents.map((x) => x.reason).join(' | ')}`);
      } finally {
        console.warn = warn;
        await session.close();
        await env.close();
      }
      for (const file of [dbPath, `${dbPath}-wal`]) {
        if (!existsSync(file)) continue;
        const bytes = readFileSync(file).toString('latin1');
        for (const secret of c.secrets) assert.ok(!bytes.includes(secret), `${secret.slice(0, 12)}… is in ${file}`);
      }
    });
  }
});
