/**
 * One local Messages API endpoint shared by every agent of a comparison run: the local test
 * server (real SSE wire protocol, the same request rules as the real API) behind a rate limiter
 * that enforces requests per second and tokens per second as token buckets holding one second
 * of capacity (the real API documents that a per-minute limit may be enforced over shorter
 * intervals), and answers 429 with retry-after / retry-after-ms when a request does not fit.
 * Each admitted request waits a latency drawn from a seeded log-normal distribution.
 * Everything is recorded at the endpoint, so every way of running is measured the same way.
 */
import { startMessagesServer, type MessagesServer, type RecordedRequest } from '../../test/support/messagesServer';

/** The endpoint's limits and latency. */
export interface EndpointConfig {
  requestsPerSecond: number;
  tokensPerSecond: number;
  /** median latency of an admitted call, ms */
  latencyMedianMs: number;
  /** log-normal sigma */
  latencySigma: number;
  seed: number;
  /** output tokens of each answer */
  outputTokens: number;
}

/** One request as the endpoint saw it. */
export interface EndpointCall {
  agent: number;
  /** which call of the agent (0-based): the assistant turns already in the conversation */
  index: number;
  /** ms since the run started */
  at: number;
  /** estimated input tokens + output tokens */
  tokens: number;
  refused: boolean;
  /** for admitted calls: when the answer had been sent (ms since the run started) */
  doneAt: number | null;
}

/** A running endpoint. */
export interface Endpoint {
  readonly url: string;
  readonly calls: EndpointCall[];
  /** the first request body since the last reset */
  readonly firstBody: Record<string, unknown> | null;
  /** resets the clock and the record for the next way of running */
  reset(): void;
  close(): Promise<void>;
}

/** The task text every agent gets; the endpoint reads the agent's number and call count from it. */
export function taskText(agent: number, calls: number): string {
  return `agent ${agent} of the comparison: make ${calls} calls, then report done.`;
}

const TASK = /agent (\d+) of the comparison: make (\d+) calls/;

/** Starts the endpoint on 127.0.0.1. */
export async function startEndpoint(config: EndpointConfig): Promise<Endpoint> {
  let t0 = performance.now();
  let calls: EndpointCall[] = [];
  let firstBody: Record<string, unknown> | null = null;
  let random = mulberry32(config.seed);
  const requests = new Bucket(config.requestsPerSecond);
  const tokens = new Bucket(config.tokensPerSecond);
  const now = (): number => performance.now() - t0;

  const server: MessagesServer = await startMessagesServer({
    chunk: 64,
    turns: (request) => {
      const { agent, index, wanted } = identify(request);
      if (index + 1 < wanted) {
        return { text: `Step ${index + 1}.`, toolCalls: [{ name: 'search_text', input: { query: `a${agent}s${index}` } }], outputTokens: config.outputTokens };
      }
      return { text: `Agent ${agent} done.`, outputTokens: config.outputTokens };
    },
    admit: async (request) => {
      const { agent, index } = identify(request);
      firstBody ??= request.body;
      const cost = Math.ceil(JSON.stringify(request.body).length / 4) + config.outputTokens;
      const at = now();
      const call: EndpointCall = { agent, index, at, tokens: cost, refused: false, doneAt: null };
      calls.push(call);
      const wait = Math.max(requests.waitMs(1, at), tokens.waitMs(cost, at));
      if (wait > 0) {
        call.refused = true;
        return {
          status: 429,
          message: `rate limit: ${config.requestsPerSecond} requests and ${config.tokensPerSecond} tokens per second`,
          headers: { 'retry-after': String(Math.ceil(wait / 1000)), 'retry-after-ms': String(Math.ceil(wait)) },
        };
      }
      requests.take(1, at);
      tokens.take(cost, at);
      const latency = Math.min(10 * config.latencyMedianMs, config.latencyMedianMs * Math.exp(config.latencySigma * gaussian(random)));
      await new Promise((resolve) => setTimeout(resolve, latency));
      call.doneAt = now();
      return null;
    },
  });
  return {
    url: server.url,
    get calls() {
      return calls;
    },
    get firstBody() {
      return firstBody;
    },
    reset: () => {
      t0 = performance.now();
      calls = [];
      firstBody = null;
      random = mulberry32(config.seed);
      requests.refill(0);
      tokens.refill(0);
    },
    close: () => server.close(),
  };
}

function identify(request: RecordedRequest): { agent: number; index: number; wanted: number } {
  const body = request.body as { messages: Array<{ role: string }> };
  const match = TASK.exec(JSON.stringify(body.messages[0]));
  if (!match) throw new Error('comparison endpoint: a request without the comparison task');
  return { agent: Number(match[1]), wanted: Number(match[2]), index: body.messages.filter((m) => m.role === 'assistant').length };
}

/** A token bucket holding one second of capacity, refilled continuously. */
class Bucket {
  private level: number;
  private at = 0;
  constructor(private readonly perSecond: number) {
    this.level = perSecond;
  }
  refill(at: number): void {
    this.level = this.perSecond;
    this.at = at;
  }
  private update(at: number): void {
    this.level = Math.min(this.perSecond, this.level + ((at - this.at) * this.perSecond) / 1000);
    this.at = at;
  }
  /** ms until `n` fit (0: now) */
  waitMs(n: number, at: number): number {
    this.update(at);
    const need = Math.min(n, this.perSecond);
    return need <= this.level ? 0 : ((need - this.level) * 1000) / this.perSecond;
  }
  take(n: number, at: number): void {
    this.update(at);
    this.level -= n;
  }
}

/** A small seeded PRNG (mulberry32), so every run draws the same latencies. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
