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
} as const;

/** The `when`-clause context keys the extension sets. */
export const ContextKeys = {
  hostStatus: 'aios.hostStatus',
  hasWorkspace: 'aios.hasWorkspace',
} as const;

/** The SecretStorage key of the Anthropic API key. */
export const API_KEY_SECRET = 'aios.anthropic.apiKey';
