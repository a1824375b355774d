/**
 * Paths of the virtual documents that hold proposed content: `/<request id>/<side>/<file path>`
 * under the `aios-proposed` scheme. The file path comes last so the editor picks the language
 * from its extension. Plain logic, no `vscode`.
 */

/** URI scheme of proposed content. */
export const PROPOSED_SCHEME = 'aios-proposed';

/** `before`: what the change was based on; `after`: the proposed content. */
export type ProposedSide = 'before' | 'after';

/** What a proposed-content path names. */
export interface ProposedRef {
  requestId: string;
  side: ProposedSide;
  /** workspace-relative, forward slashes */
  file: string;
}

export function proposedPath(ref: ProposedRef): string {
  return `/${encodeURIComponent(ref.requestId)}/${ref.side}/${ref.file}`;
}

export function parseProposedPath(path: string): ProposedRef | null {
  const m = /^\/([^/]+)\/(before|after)\/(.+)$/.exec(path);
  if (!m) return null;
  return { requestId: decodeURIComponent(m[1]!), side: m[2] as ProposedSide, file: m[3]! };
}
