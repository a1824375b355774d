/**
 * The self-improving loop: proposals from the data → L0 → L1 → L2 (the developer) → applied as a
 * new configuration version → rolled back automatically if health drops by more than the
 * configured points within the watch window. Every step is stored, emitted and audited.
 */
import type { Clock } from '../kernel/ports/clock';
import { randomUUID } from 'node:crypto';
import type { KernelEvent } from '../kernel/events';
import type { AuditEntry } from '../kernel/types';
import {
  baseConfig, withChange,
  type ConfigVersion, type GateResult, type GlobalCaps, type HealthSample, type Proposal, type ProposalStatus, type TunableConfig,
} from './config';
import type { ConfigTargets } from './configTargets';
import { l0Gate, type ToolRisks } from './gates';
import { proposeChanges, type ProposerConfig, type ProposerSource } from './proposer';

/** What the loop stores (SafetyStore implements it). */
export interface LoopStore extends ProposerSource {
  activeConfig(): ConfigVersion | undefined;
  configVersion(version: number): ConfigVersion | undefined;
  addConfigVersion(v: { at: number; proposalId: string | null; config: TunableConfig; healthBefore: number | null; previousStatus?: 'superseded' | 'rolled_back'; reason?: string | null }): ConfigVersion;
  putProposal(p: Proposal): void;
  getProposal(id: string): Proposal | undefined;
  proposals(statuses?: readonly ProposalStatus[], limit?: number): Proposal[];
  putGate(g: GateResult): void;
  gates(proposalId: string): GateResult[];
}

/** Settings of the loop. */
export interface LoopOptions {
  caps: GlobalCaps;
  /** health drop (points) after an apply that triggers a rollback */
  rollbackDrop: number;
  /** how long after an apply health is watched, ms */
  rollbackWindowMs: number;
  proposer?: ProposerConfig;
}

export const DEFAULT_LOOP: Omit<LoopOptions, 'caps'> = { rollbackDrop: 10, rollbackWindowMs: 10 * 60_000 };

/** Everything the loop acts through. */
export interface LoopDeps {
  store: LoopStore;
  targets: ConfigTargets;
  clock: Clock;
  emit(event: KernelEvent): void;
  audit(entry: AuditEntry): void;
  /** the latest health score (for the rollback baseline) */
  currentHealth(): number;
  /** L1 for a proposal: replays under the current and the proposed configuration */
  regression(proposalId: string, current: TunableConfig, proposed: TunableConfig): Promise<GateResult>;
  tools?: ToolRisks;
  /** the kernel's slice before any version existed */
  baseSliceSteps: number;
}

/** Open statuses: a new proposal for the same key waits until these are settled. */
const OPEN: readonly ProposalStatus[] = ['proposed', 'awaiting_review'];

/** The improvement loop of one kernel session. */
export class ImprovementLoop {
  readonly options: LoopOptions;
  private gating: Promise<void> | null = null;

  constructor(private readonly deps: LoopDeps, options: Partial<LoopOptions> & { caps: GlobalCaps }) {
    this.options = { ...DEFAULT_LOOP, ...options };
  }

  /** The configuration in force. */
  current(): TunableConfig {
    return this.deps.store.activeConfig()?.config ?? baseConfig(this.deps.baseSliceSteps);
  }

  /** Makes the active stored version effective (at session start). */
  restore(): void {
    const active = this.deps.store.activeConfig();
    if (active) this.deps.targets.apply(active.config, baseConfig(this.deps.baseSliceSteps));
  }

  /** New proposals from the data (one open proposal per key). */
  propose(): Proposal[] {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    const open = new Set(store.proposals(OPEN, 1000).map((p) => p.key));
    const made: Proposal[] = [];
    for (const d of proposeChanges(store, this.current(), this.options.caps, now, this.options.proposer)) {
      if (open.has(d.key)) continue;
      const p: Proposal = { id: randomUUID(), at: now, key: d.key, kind: d.change.kind, summary: d.summary, rationale: d.rationale, change: d.change, evidence: d.evidence, status: 'proposed', decidedAt: null, decidedBy: null, version: null };
      store.putProposal(p);
      open.add(d.key);
      this.changed(p, 'loop', { rationale: p.rationale });
      made.push(p);
    }
    return made;
  }

  /** Runs L0 and L1 on a proposed change; it then waits for the developer (L2) or is rejected. */
  async gate(id: string): Promise<Proposal> {
    const p = this.get(id);
    if (p.status !== 'proposed') return p;
    const current = this.current();
    const l0 = l0Gate(p, current, this.options.caps, this.deps.clock.now(), this.deps.tools);
    this.deps.store.putGate(l0);
    if (!l0.passed) return this.setStatus(p, 'rejected_l0', 'L0', l0.summary);
    let l1: GateResult;
    try {
      l1 = await this.deps.regression(p.id, current, withChange(current, p.change));
    } catch (err) {
      l1 = { proposalId: p.id, level: 'L1', at: this.deps.clock.now(), passed: false, summary: `the replay failed: ${(err as Error).message}`, checks: [] };
    }
    this.deps.store.putGate(l1);
    if (!l1.passed) return this.setStatus(p, 'rejected_l1', 'L1', l1.summary);
    return this.setStatus(p, 'awaiting_review', 'loop', 'L0 and L1 passed: waiting for the developer');
  }

  /** Proposes and gates everything the data calls for; one run at a time. */
  run(): Promise<void> {
    if (this.gating) return this.gating;
    this.gating = (async () => {
      try {
        this.propose();
        for (const p of this.deps.store.proposals(['proposed'], 1000)) await this.gate(p.id);
      } finally {
        this.gating = null;
      }
    })();
    return this.gating;
  }

  /** L2: the developer approves (the change is applied) or rejects a proposal waiting for review. */
  decide(id: string, decision: 'approve' | 'reject', actor = 'developer'): Proposal {
    const p = this.get(id);
    if (p.status !== 'awaiting_review') throw new Error(`proposal ${id.slice(0, 8)} is ${p.status}, not waiting for review: only proposals that passed L0 and L1 can be decided`);
    const now = this.deps.clock.now();
    this.deps.store.putGate({ proposalId: p.id, level: 'L2', at: now, passed: decision === 'approve', summary: `${decision === 'approve' ? 'approved' : 'rejected'} by ${actor}`, checks: [] });
    if (decision === 'reject') return this.setStatus({ ...p, decidedAt: now, decidedBy: actor }, 'rejected', actor, 'rejected by the developer');
    return this.apply({ ...p, decidedAt: now, decidedBy: actor }, actor);
  }

  /** The rollback watch: called with every heartbeat sample. */
  onHealth(sample: HealthSample): void {
    const active = this.deps.store.activeConfig();
    if (!active || active.proposalId === null || active.healthBefore === null) return;
    if (sample.at - active.at > this.options.rollbackWindowMs || sample.at < active.at) return;
    const drop = active.healthBefore - sample.score;
    if (drop > this.options.rollbackDrop) {
      this.rollback(`health fell from ${active.healthBefore} to ${sample.score} (−${Math.round(drop * 10) / 10}, more than ${this.options.rollbackDrop}) within ${Math.round((sample.at - active.at) / 1000)} s of applying version ${active.version}`);
    }
  }

  /** Goes back to the version before the active one; returns the new (restored) version, or null when there is nothing to undo. */
  rollback(reason: string, actor = 'loop'): ConfigVersion | null {
    const { store } = this.deps;
    const active = store.activeConfig();
    if (!active || active.proposalId === null) return null; // only versions a proposal made are undone
    const parent = active.parent === null ? null : store.configVersion(active.parent);
    const target = parent?.config ?? baseConfig(this.deps.baseSliceSteps);
    const now = this.deps.clock.now();
    this.deps.targets.apply(target, active.config);
    const restored = store.addConfigVersion({ at: now, proposalId: null, config: target, healthBefore: null, previousStatus: 'rolled_back', reason });
    this.deps.emit({ type: 'config.rolled_back', version: active.version, to: restored.version, reason });
    this.deps.audit({ at: now, pid: null, action: 'config.rollback', actor, subject: `config v${active.version}`, detail: { to: restored.version, restores: parent?.version ?? null, reason } });
    if (active.proposalId) {
      const p = store.getProposal(active.proposalId);
      if (p) this.setStatus(p, 'rolled_back', actor, reason);
    }
    return restored;
  }

  private apply(p: Proposal, actor: string): Proposal {
    const { store, targets } = this.deps;
    const now = this.deps.clock.now();
    const before = this.current();
    const next = withChange(before, p.change);
    const healthBefore = this.deps.currentHealth();
    targets.apply(next, before);
    const version = store.addConfigVersion({ at: now, proposalId: p.id, config: next, healthBefore });
    this.deps.emit({ type: 'config.applied', version: version.version, proposal: p.id, summary: p.summary });
    this.deps.audit({ at: now, pid: null, action: 'config.apply', actor, subject: `config v${version.version}`, detail: { proposal: p.id, change: p.change, healthBefore } });
    return this.setStatus({ ...p, version: version.version }, 'applied', actor, `applied as configuration version ${version.version}`);
  }

  private get(id: string): Proposal {
    const p = this.deps.store.getProposal(id) ?? this.deps.store.proposals(undefined, 1000).find((x) => x.id.startsWith(id));
    if (!p) throw new Error(`no proposal ${id}: see the dashboard or 'aios eval --db FILE --proposals'`);
    return p;
  }

  private setStatus(p: Proposal, status: ProposalStatus, actor: string, why: string): Proposal {
    const next = { ...p, status };
    this.deps.store.putProposal(next);
    this.changed(next, actor, { why });
    return next;
  }

  private changed(p: Proposal, actor: string, detail: Record<string, unknown>): void {
    this.deps.emit({ type: 'proposal.status', id: p.id, status: p.status, summary: p.summary });
    this.deps.audit({ at: this.deps.clock.now(), pid: null, action: `proposal.${p.status}`, actor, subject: p.key, detail: { proposal: p.id, summary: p.summary, ...detail } });
  }
}
