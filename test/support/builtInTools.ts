/**
 * Every built-in tool, built over stand-ins for what its construction needs (nothing is called
 * until a tool prepares a call). For tests of the tools' declarations.
 */
import type { Tool } from '../../src/kernel/ports/tools';
import { askDeveloperTool } from '../../src/conversation/questions';
import { rememberTool } from '../../src/memories/memoryTools';
import { recallTool } from '../../src/memories/recallTool';
import { planTool, reportResultTool } from '../../src/planner/plannerTool';
import { createRunCommandTool } from '../../src/sandbox/runCommandTool';
import { createWorkspaceTools } from '../../src/tools/workspace';

/** The built-in tools as a session offers them (workspace at `root`, a plan of at most 8 subtasks, commands of at most 5 s). */
export function builtInTools(root: string): Tool[] {
  const unused = {} as never;
  return [
    ...createWorkspaceTools({ root }),
    recallTool(unused, { recall: () => [] }),
    rememberTool(unused),
    planTool({ config: { maxSubtasks: 8 } } as never, unused),
    reportResultTool(unused),
    askDeveloperTool(unused),
    createRunCommandTool({ config: { defaultTimeoutMs: 1000, maxTimeoutMs: 5000 } } as never),
  ];
}
