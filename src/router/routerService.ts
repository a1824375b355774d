/**
 * Routing decisions: the router's three tiers, then — below the confidence threshold — the model
 * (when a real one is configured) or the developer, and a record of every decision for the
 * improvement loop. `routeAndAssign` is what "AIOS: Route Task" calls: decide, then give the task
 * to an idle agent of that role or spawn one.
 */
import type { Kernel, KernelSpawnOptions } from '../kernel/kernel';
import type { Clock } from '../kernel/ports/clock';
import { systemClock } from '../kernel/ports/clock';
import { isTerminal } from '../kernel/processTable';
import type { RoleScore, RouteMatch, TaskRouter } from './router';
import type { RoleDefinition } from './routerRoles';
import type { AgentRecord, Pid } from '../kernel/types';

/** Which step decided: a router tier, the model, the developer, or the best guess when nobody could be asked. */
export type RouteTier = 'exact' | 'keyword' | 'fuzzy' | 'model' | 'developer' | 'default';

/** Which role a task went to, who decided, and why. */
export interface RouteChoice {
  task: string;
  role: string;
  tier: RouteTier;
  /** 0–1 */
  confidence: number;
  reason: string;
  /** what the router's tiers scored, best first */
  candidates: RoleScore[];
}

/** A routing decision. */
export interface RouteDecision extends RouteChoice {
  /** id of the recorded decision; null when no log is configured */
  id: number | null;
  /** the router's own answer, before any fallback */
  match: RouteMatch;
}

/** A role chosen by the model or the developer. */
export interface RoleChoice {
  role: string;
  reason: string;
  /** the chooser's own confidence; the model's defaults to 0.7, the developer's to 1 */
  confidence?: number;
}

/** What a chooser is shown. */
export interface ChooserRequest {
  task: string;
  roles: readonly RoleDefinition[];
  /** the router's best guess and its candidates (a quick pick lists these first) */
  match: RouteMatch;
}

/** Asks someone (a model, the developer) for a role; null means no answer (dismissed, unavailable). */
export type RoleChooser = (request: ChooserRequest, signal?: AbortSignal) => Promise<RoleChoice | null>;

/** Who asked for a route. */
export type RouteSource = 'cli' | 'extension' | 'planner' | 'api';

/** One decision as recorded. */
export interface RoutingRecord extends RouteChoice {
  at: number;
  source: RouteSource;
}

/** A recorded decision with what became of it. */
export interface StoredRouting extends RoutingRecord {
  id: number;
  /** the agent that got the task, once known */
  pid: Pid | null;
  /** how that agent ended (`done`, `failed`, `killed`), once it has */
  outcome: string | null;
}

/** Where decisions are recorded (SQLite in storage/routingLog.ts). */
export interface RoutingLog {
  record(entry: RoutingRecord): number;
  /** the agent that took the decided task */
  linkAgent(id: number, pid: Pid): void;
  /** how the agent of a decision ended; ignored for agents no decision names */
  recordOutcome(pid: Pid, outcome: string, at: number): void;
  /** newest first */
  recent(limit: number): StoredRouting[];
}

/** What the routing service is built from. */
export interface RoutingServiceOptions {
  router: TaskRouter;
  /** below this confidence the model or the developer is asked (default 0.5) */
  threshold?: number;
  /** a real model's choice; leave null for the scripted model (its choice would be scripted, not a judgement) */
  askModel?: RoleChooser | null;
  /** the developer's choice (the extension shows a quick pick, the CLI a prompt on a terminal) */
  askDeveloper?: RoleChooser | null;
  log?: RoutingLog | null;
  clock?: Clock;
  /** told about every decision (the session turns it into a `route.decided` event) */
  onDecided?: (decision: RouteDecision) => void;
  /** a chooser that threw; the decision goes on to the next step */
  onChooserError?: (who: 'model' | 'developer', error: unknown) => void;
}

/** Per-call settings of `decide`. */
export interface DecideOptions {
  source?: RouteSource;
  /** overrides the service's developer chooser for this call (null: do not ask) */
  askDeveloper?: RoleChooser | null;
  signal?: AbortSignal;
}

export const DEFAULT_ROUTE_THRESHOLD = 0.5;

/** Decides routes, falls back below the threshold, and records every decision. */
export class RoutingService {
  readonly router: TaskRouter;
  readonly threshold: number;
  private readonly clock: Clock;

  constructor(private readonly options: RoutingServiceOptions) {
    this.router = options.router;
    this.threshold = options.threshold ?? DEFAULT_ROUTE_THRESHOLD;
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new Error(`routing threshold must be between 0 and 1 (got ${this.threshold})`);
    this.clock = options.clock ?? systemClock;
  }

  get roles(): readonly RoleDefinition[] {
    return this.router.roles;
  }

  get log(): RoutingLog | null {
    return this.options.log ?? null;
  }

  /** Routes a task: the router's tiers, then the model, then the developer, then the best guess. */
  async decide(task: string, options: DecideOptions = {}): Promise<RouteDecision> {
    const text = task.trim();
    if (!text) throw new Error('the task is empty: say what should be done');
    const match = this.router.route(text);
    let decided: Omit<RouteDecision, 'id' | 'task' | 'candidates' | 'match'>;
    if (match.tier !== 'none' && match.confidence >= this.threshold) {
      decided = { role: match.role, tier: match.tier, confidence: match.confidence, reason: match.reason };
    } else {
      decided = await this.fallback(text, match, options);
    }
    const decision: RouteDecision = { id: null, task: text, ...decided, candidates: match.candidates, match };
    const log = this.options.log;
    if (log) {
      decision.id = log.record({
        at: this.clock.now(), task: text, role: decision.role, tier: decision.tier, confidence: decision.confidence,
        reason: decision.reason, candidates: decision.candidates, source: options.source ?? 'api',
      });
    }
    this.options.onDecided?.(decision);
    return decision;
  }

  private async fallback(task: string, match: RouteMatch, options: DecideOptions): Promise<Omit<RouteDecision, 'id' | 'task' | 'candidates' | 'match'>> {
    const request: ChooserRequest = { task, roles: this.router.roles, match };
    const below = match.tier === 'none' ? 'no role matched' : `${match.tier} match ${match.role} at ${match.confidence} is below the threshold ${this.threshold}`;
    const model = this.options.askModel;
    if (model) {
      const choice = await this.ask('model', model, request, options.signal);
      if (choice) return { role: choice.role, tier: 'model', confidence: clamp(choice.confidence ?? 0.7), reason: `${below}; the model chose: ${choice.reason}` };
    }
    const developer = options.askDeveloper === undefined ? this.options.askDeveloper : options.askDeveloper;
    if (developer) {
      const choice = await this.ask('developer', developer, request, options.signal);
      if (choice) return { role: choice.role, tier: 'developer', confidence: clamp(choice.confidence ?? 1), reason: `${below}; the developer chose it${choice.reason ? `: ${choice.reason}` : ''}` };
    }
    return { role: match.role, tier: 'default', confidence: match.confidence, reason: `${below}, and no model or developer was asked: best guess (${match.reason})` };
  }

  /** A chooser's answer if it names a known role; errors and unknown roles count as no answer. */
  private async ask(who: 'model' | 'developer', chooser: RoleChooser, request: ChooserRequest, signal?: AbortSignal): Promise<RoleChoice | null> {
    try {
      const choice = await chooser(request, signal);
      if (!choice) return null;
      const role = choice.role.trim().toLowerCase();
      if (!this.router.roleNames.includes(role)) {
        this.options.onChooserError?.(who, new Error(`the ${who} chose '${choice.role}', which is not a role (${this.router.roleNames.join(', ')})`));
        return null;
      }
      return { ...choice, role };
    } catch (err) {
      this.options.onChooserError?.(who, err);
      return null;
    }
  }
}

function clamp(x: number): number {
  return Math.max(0, Math.min(1, x));
}

// ---------------------------------------------------------------------------------------------
// Route, then spawn or reuse

/** What routeAndAssign needs from the session. */
export interface AssignDeps {
  kernel: Kernel;
  routing: RoutingService;
  /** spawns an agent with a task record (KernelSession.spawn / AgentRuntime.spawn) */
  spawn: (options: KernelSpawnOptions) => AgentRecord;
  /** wakes the step loop after a reused agent got new work */
  wake?: () => void;
}

/** Spawn settings for when no agent can be reused, plus routing settings. */
export interface AssignOptions extends Omit<KernelSpawnOptions, 'task' | 'role'> {
  /** give the task to an idle agent of the role when there is one (default true) */
  reuse?: boolean;
  source?: RouteSource;
  /** the developer's chooser for this call (the extension's quick pick) */
  askDeveloper?: RoleChooser | null;
  signal?: AbortSignal;
}

/** The decision and the agent that has the task. */
export interface Assignment {
  decision: RouteDecision;
  agent: AgentRecord;
  /** true when an existing agent got the task as a new message */
  reused: boolean;
}

/**
 * An agent that can take another task: live, queued between steps (`ready`, so not in a model
 * call, a tool or an approval), and not coordinating children. The kernel has no idle state
 * (an agent runs until its task is done), so this is the closest thing; such an agent gets the
 * new task as a message and works on it after what it is doing.
 */
export function isReusable(kernel: Kernel, agent: AgentRecord, role: string): boolean {
  if (agent.role !== role || agent.state !== 'ready') return false;
  return !kernel.agents.children(agent.pid).some((c) => !isTerminal(c.state));
}

/** Routes a task, then hands it to an idle agent of the chosen role or spawns one. */
export async function routeAndAssign(deps: AssignDeps, task: string, options: AssignOptions = {}): Promise<Assignment> {
  const { kernel, routing } = deps;
  const decision = await routing.decide(task, { source: options.source ?? 'api', askDeveloper: options.askDeveloper, signal: options.signal });
  const role = routing.roles.find((r) => r.name === decision.role);
  const { reuse = true, source: _source, askDeveloper: _ask, signal: _signal, ...spawnOptions } = options;
  const idle = reuse ? kernel.agents.list().find((a) => isReusable(kernel, a, decision.role)) : undefined;
  let agent: AgentRecord;
  if (idle) {
    kernel.tell(idle.pid, `Another task for you (routed to ${decision.role}): ${decision.task}`);
    deps.wake?.();
    agent = idle;
  } else {
    agent = deps.spawn({
      ...spawnOptions,
      task: decision.task,
      role: decision.role,
      model: spawnOptions.model ?? role?.model,
      system: spawnOptions.system ?? role?.system,
      capabilities: spawnOptions.capabilities ?? role?.capabilities,
    });
  }
  if (decision.id !== null) routing.log?.linkAgent(decision.id, agent.pid);
  return { decision, agent, reused: idle !== undefined };
}
