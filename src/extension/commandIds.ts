/** Every command id of the extension, once; package.json `contributes.commands` lists the same ids. */
export const Commands = {
  spawnAgent: 'aios.spawnAgent',
  routeTask: 'aios.routeTask',
  suspendAgent: 'aios.suspendAgent',
  resumeAgent: 'aios.resumeAgent',
  killAgent: 'aios.killAgent',
  reniceAgent: 'aios.reniceAgent',
  approve: 'aios.approve',
  deny: 'aios.deny',
  alwaysAllow: 'aios.alwaysAllow',
  /** the same three answers as text buttons in the proposal's diff editor title (no icon: VS Code shows the title) */
  approveShown: 'aios.approveShown',
  alwaysAllowShown: 'aios.alwaysAllowShown',
  denyShown: 'aios.denyShown',
  openApproval: 'aios.openApproval',
  removeRule: 'aios.removeRule',
  setApiKey: 'aios.setApiKey',
  removeApiKey: 'aios.removeApiKey',
  showLog: 'aios.showLog',
  buildSandboxImage: 'aios.buildSandboxImage',
  refresh: 'aios.refresh',
  restartKernel: 'aios.restartKernel',
  showApprovals: 'aios.showApprovals',
  openDashboard: 'aios.openDashboard',
  restartMcpServer: 'aios.restartMcpServer',
  disableMcpServer: 'aios.disableMcpServer',
  enableMcpServer: 'aios.enableMcpServer',
  openAgent: 'aios.openAgent',
} as const;

/** The `when`-clause context keys the extension sets. */
export const ContextKeys = {
  hostStatus: 'aios.hostStatus',
  hasWorkspace: 'aios.hasWorkspace',
  /** true once the views have the kernel's state (the welcome views say "Starting…" until then) */
  stateReady: 'aios.stateReady',
} as const;

/** The SecretStorage key of the Anthropic API key. */
export const API_KEY_SECRET = 'aios.anthropic.apiKey';
