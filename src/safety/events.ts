/** The events of the safety layer (docs/safety.md), part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { Pid } from '../kernel/types';
import type { ProposalStatus } from './config';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** a reactor playbook ran; `notify` asks the UI to tell the developer */
    'reactor.fired': { type: 'reactor.fired'; playbook: string; pid: Pid | null; action: string; outcome: string; message: string; notify: boolean };
    /** the heartbeat's system health fell under the alert threshold */
    'health.alert': { type: 'health.alert'; score: number; threshold: number; worst: string; message: string };
    /** an improvement proposal changed status (proposed, awaiting_review, applied, rejected, rolled_back …) */
    'proposal.status': { type: 'proposal.status'; id: string; status: ProposalStatus; summary: string };
    /** a configuration version became active */
    'config.applied': { type: 'config.applied'; version: number; proposal: string | null; summary: string };
    /** the active configuration went back to an earlier version */
    'config.rolled_back': { type: 'config.rolled_back'; version: number; to: number; reason: string };
  }
}
