// What each AIOS view says before it has rows, read from package.json's viewsWelcome and its
// `when` clauses, for every phase of a window's life: no folder, the extension not yet active,
// the host starting, running before and after the first state, failed, stopped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Context = Record<string, string | number | boolean | undefined>;

/** The subset of VS Code's `when` syntax package.json uses: &&, !key, key, ==, !=, =~ /re/, >. */
function holds(when: string, ctx: Context): boolean {
  return when.split('&&').every((raw) => {
    const term = raw.trim();
    const m = /^(\S+)\s*(==|!=|=~|>)\s*(.+)$/.exec(term);
    if (!m) return term.startsWith('!') ? !ctx[term.slice(1)] : Boolean(ctx[term]);
    const [, key, op, rhs] = m;
    const value = ctx[key];
    if (op === '=~') {
      const re = /^\/(.*)\/([a-z]*)$/.exec(rhs.trim());
      return re !== null && value !== undefined && new RegExp(re[1], re[2]).test(String(value));
    }
    if (op === '>') return Number(value ?? 0) > Number(rhs);
    const equal = String(value ?? '') === rhs.trim() || (typeof value === 'number' && value === Number(rhs));
    return op === '==' ? equal : !equal;
  });
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { viewsWelcome: Array<{ view: string; contents: string; when: string }> } };

/** The first line of each welcome text shown in `view` under `ctx`. */
function shown(view: string, ctx: Context): string[] {
  return manifest.contributes.viewsWelcome.filter((w) => w.view === view && holds(w.when, ctx)).map((w) => w.contents.split('\n')[0]);
}

const VIEWS = ['aios.agents', 'aios.approvals', 'aios.memory', 'aios.tools'];
const folder = { workspaceFolderCount: 1 };

describe('welcome views while the kernel starts, runs and stops', () => {
  it('says "Starting the AIOS kernel…" in every view until the first state arrives, never "Open a folder" with a folder open', () => {
    const phases: Context[] = [
      { ...folder }, // the extension not active yet (no context keys)
      { ...folder, 'aios.hostStatus': 'starting' },
      { ...folder, 'aios.hostStatus': 'restarting' },
      { ...folder, 'aios.hostStatus': 'running' }, // running, the first state not fetched yet (after a reload)
    ];
    for (const ctx of phases) for (const view of VIEWS) assert.deepEqual(shown(view, ctx), ['Starting the AIOS kernel…'], `${view} in ${JSON.stringify(ctx)}`);
  });

  it('says "No agents yet" and "No pending requests" only once the state is there', () => {
    const ready = { ...folder, 'aios.hostStatus': 'running', 'aios.stateReady': true };
    assert.match(shown('aios.agents', ready).join(), /^No agents yet/);
    assert.match(shown('aios.approvals', ready).join(), /^No pending requests/);
    assert.deepEqual(shown('aios.memory', ready), []);
  });

  it('says the kernel is not running when it failed or was stopped, and asks for a folder without one', () => {
    for (const status of ['failed', 'stopped']) {
      for (const view of VIEWS) assert.match(shown(view, { ...folder, 'aios.hostStatus': status }).join(), /not running/, `${view} ${status}`);
    }
    for (const view of VIEWS) assert.match(shown(view, { workspaceFolderCount: 0 }).join(), /^Open a folder/, view);
  });
});
