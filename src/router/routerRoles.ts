/**
 * Agent roles the router chooses between: five built in (coder, reviewer, tester, analyst,
 * writer), each with a description and trigger phrases and keywords in English and Chinese; more
 * from the workspace's `.aios/roles.json` or from settings, merged by name.
 */
import Ajv from 'ajv';
import type { Capability } from '../kernel/types';

/** A role an agent can have, and how the router recognises tasks for it. */
export interface RoleDefinition {
  /** lower-case identifier, e.g. `coder` */
  name: string;
  description: string;
  /**
   * Trigger phrases (English or Chinese): a task containing one is routed at the `exact` tier.
   * Keep them specific (`code review`, `单元测试`).
   */
  phrases: string[];
  /** Keywords (English words, possibly several, or Chinese words) scored at the `keyword` tier. */
  keywords: string[];
  /** the model agents of this role use (default: the spawner's or the session's) */
  model?: string;
  /** extra system prompt for agents of this role */
  system?: string;
  /** what agents of this role may do (default: the kernel's default capabilities) */
  capabilities?: Capability[];
}

/** The built-in roles. English and Chinese keywords; 80+ in all, as the seed's router had. */
export const BUILTIN_ROLES: readonly RoleDefinition[] = [
  {
    name: 'coder',
    description: 'Writes and changes code: implements features, fixes bugs, refactors.',
    phrases: ['fix the bug', 'fix a bug', 'fix bug', 'write code', 'implement a feature', 'add a feature', 'add support for',
      '修复bug', '修复错误', '修复缺陷', '写代码', '实现功能', '添加功能'],
    keywords: ['implement', 'fix', 'bug', 'refactor', 'feature', 'function', 'class', 'method', 'build', 'rename',
      'migrate', 'port', 'patch', 'compile', 'crash', 'exception', 'endpoint', 'module', 'script', 'program', 'develop', 'upgrade',
      'typescript', 'python', 'debug',
      '实现', '修复', '重构', '功能', '函数', '编写', '开发', '编程', '接口', '模块', '脚本', '添加', '修改', '报错', '崩溃',
      '漏洞', '迁移', '编译', '调试', '缺陷', '程序'],
    system: 'You are a coder: change the code to do what the task asks, keep changes small and consistent with the codebase.',
  },
  {
    name: 'reviewer',
    description: 'Reviews changes: finds defects, risks and style problems, and gives actionable feedback.',
    phrases: ['code review', 'review the code', 'review this', 'review my', 'pull request', 'merge request', '代码审查', '代码评审', '审查代码', '评审代码'],
    keywords: ['review', 'reviewer', 'critique', 'audit', 'inspect', 'feedback', 'approve', 'pr', 'diff', 'readability', 'smell',
      'lint', 'style', 'convention', 'security', 'maintainability',
      '审查', '评审', '审核', '检查', '反馈', '规范', '风格', '可读性', '安全', '合并请求', '代码质量'],
    system: 'You are a reviewer: read the changes and report defects, risks and style problems with concrete suggestions; do not rewrite the code yourself.',
  },
  {
    name: 'tester',
    description: 'Writes and runs tests: unit, integration and end-to-end tests, coverage, reproducing failures.',
    phrases: ['write tests', 'write a test', 'add tests', 'add a test', 'unit test', 'integration test', 'test coverage', 'test case',
      '单元测试', '集成测试', '测试用例', '写测试', '补充测试', '测试覆盖率'],
    keywords: ['test', 'testing', 'unit', 'integration', 'e2e', 'coverage', 'assert', 'assertion', 'regression', 'mock', 'fixture',
      'qa', 'verify', 'reproduce', 'flaky', 'mocha', 'jest', 'pytest',
      '测试', '覆盖率', '断言', '回归', '验证', '复现', '用例', '自动化测试'],
    system: 'You are a tester: write and run tests that pin the behaviour down; report what fails and how to reproduce it.',
  },
  {
    name: 'analyst',
    description: 'Analyses systems and data: performance, root causes, metrics, comparisons and trade-offs.',
    phrases: ['root cause', 'performance analysis', 'analyze the performance', 'analyse the performance', 'find out why',
      '性能分析', '分析系统性能', '根本原因', '原因分析', '数据分析'],
    keywords: ['analyze', 'analyse', 'analysis', 'investigate', 'performance', 'profile', 'profiling', 'metrics', 'data', 'statistics',
      'trend', 'compare', 'comparison', 'evaluate', 'research', 'diagnose', 'bottleneck', 'measure', 'latency', 'throughput', 'why',
      '分析', '性能', '调研', '研究', '统计', '数据', '指标', '对比', '评估', '瓶颈', '诊断', '原因', '趋势', '调查', '延迟'],
    system: 'You are an analyst: investigate, measure and explain; back conclusions with evidence from the code, data or measurements.',
  },
  {
    name: 'writer',
    description: 'Writes prose: documentation, READMEs, guides, changelogs, comments and summaries.',
    phrases: ['write documentation', 'write the docs', 'update the readme', 'release notes', 'write a guide', 'write a tutorial',
      '写文档', '编写文档', '更新文档', '更新日志', '使用说明', '发布说明'],
    keywords: ['document', 'documentation', 'docs', 'readme', 'tutorial', 'guide', 'changelog', 'comment', 'blog', 'article', 'summary',
      'summarize', 'summarise', 'translate', 'explain', 'describe', 'wording', 'prose', 'markdown',
      '文档', '说明', '撰写', '教程', '指南', '注释', '博客', '文章', '总结', '翻译', '描述', '介绍', '手册'],
    system: 'You are a writer: write clear, accurate prose for the intended reader; check facts against the code.',
  },
];

/** Role names: lower-case letters, digits, `-` and `_`, starting with a letter. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** A role as written in `.aios/roles.json` or settings: everything but the name is optional. */
export type RoleInput = Partial<RoleDefinition> & { name: string };

const ROLES_SCHEMA = {
  type: 'object',
  required: ['roles'],
  additionalProperties: false,
  properties: {
    roles: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: ROLE_NAME.source },
          description: { type: 'string', minLength: 1 },
          phrases: { type: 'array', items: { type: 'string', minLength: 1 } },
          keywords: { type: 'array', items: { type: 'string', minLength: 1 } },
          model: { type: 'string', minLength: 1 },
          system: { type: 'string' },
          capabilities: { type: 'array', items: { enum: ['fs.read', 'fs.write', 'exec', 'net'] } },
        },
      },
    },
  },
} as const;

const validateRoles = new Ajv({ allErrors: true, strict: true, logger: false }).compile<{ roles: RoleInput[] }>(ROLES_SCHEMA);

/**
 * Checks a parsed roles file (`{"roles": [...]}`); throws one Error naming the source and every
 * problem, e.g. `.aios/roles.json: roles[1].name must match pattern …`.
 */
export function parseRoles(value: unknown, source: string): RoleInput[] {
  if (validateRoles(value)) return value.roles;
  const problems = (validateRoles.errors ?? []).map((e) => {
    const at = e.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || 'the file';
    const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty: string }).additionalProperty)}'` : '';
    return `${at} ${e.message ?? 'is invalid'}${extra}`;
  });
  throw new Error(`Invalid roles in ${source}: ${[...new Set(problems)].join('; ')}. Expected {"roles": [{"name": "dba", "description": "…", "keywords": ["sql", "数据库"]}]}`);
}

/**
 * Built-in roles plus extra ones, later sources winning. A role with a known name is merged:
 * its phrases and keywords are added, and any description, model, system or capabilities
 * replace the earlier ones. A new role needs a description and at least one phrase or keyword.
 */
export function mergeRoles(...sources: ReadonlyArray<readonly RoleInput[]>): RoleDefinition[] {
  const byName = new Map<string, RoleDefinition>();
  for (const r of BUILTIN_ROLES) byName.set(r.name, { ...r, phrases: [...r.phrases], keywords: [...r.keywords] });
  for (const source of sources) {
    for (const r of source) {
      if (!ROLE_NAME.test(r.name)) throw new Error(`role name '${r.name}' is invalid: use lower-case letters, digits, '-' or '_', starting with a letter`);
      const known = byName.get(r.name);
      if (known) {
        byName.set(r.name, {
          ...known,
          ...definedOnly({ description: r.description, model: r.model, system: r.system, capabilities: r.capabilities }),
          phrases: unique([...known.phrases, ...(r.phrases ?? [])]),
          keywords: unique([...known.keywords, ...(r.keywords ?? [])]),
        });
        continue;
      }
      if (!r.description) throw new Error(`role '${r.name}' needs a description (one sentence of what agents of this role do)`);
      if (!r.phrases?.length && !r.keywords?.length) throw new Error(`role '${r.name}' needs at least one keyword or phrase, or the router can never choose it`);
      byName.set(r.name, { ...r, description: r.description, phrases: unique(r.phrases ?? []), keywords: unique(r.keywords ?? []) });
    }
  }
  return [...byName.values()];
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
