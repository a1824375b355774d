/** The events of talking to agents (docs/transcript.md), part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { Pid } from '../kernel/types';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** the running kernel could not deliver a `control.message` (a spent budget, a killed agent) */
    'message.refused': { type: 'message.refused'; pid: Pid; messageId: string; reason: string };
    /** the developer sent an agent a message; it enters the context at the next step boundary (`newTurn`: it restarts a finished agent) */
    'message.queued': { type: 'message.queued'; pid: Pid; messageId: string; text: string; newTurn: boolean };
    /** a queued message became a user page of the agent's context */
    'message.delivered': { type: 'message.delivered'; pid: Pid; messageId: string; pageId: number };
    /** the agent asked the developer a question (ask_developer) and waits, holding no model slot */
    'question.asked': { type: 'question.asked'; pid: Pid; questionId: string; text: string };
    /** the question was answered (or dropped: `answer` null when the agent stopped first) */
    'question.answered': { type: 'question.answered'; pid: Pid; questionId: string; answer: string | null };
  }
}
