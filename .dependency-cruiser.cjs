// The folder arrows of docs/architecture.md, checked by CI (`npm run lint:deps`):
//   extension → protocol ← host → session → services → kernel ← (storage, llm, tools, sandbox, safety)
//                                  cli  ↗
// where the services are the kernel's sibling folders router, planner, memories, leases and
// conversation: each builds on the kernel's facade and ports, with its tools beside it.
// A wrong-way import fails the build. Imports that predate the check and are scheduled to go are
// listed in .dependency-cruiser-known-violations.json (`--ignore-known`); nothing new may join them.
const layer = (name) => `^src/${name}/`;
const services = ['storage', 'llm', 'tools', 'sandbox', 'safety'];
/** The kernel's sibling services, and the services each may use (one way only). */
const kernelServices = { router: [], planner: ['router'], memories: [], leases: [], conversation: [] };

module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-only-kernel',
      comment: 'The kernel is a library with no I/O: storage, models, tools and sandboxes reach it through ports it defines.',
      severity: 'error',
      from: { path: layer('kernel') },
      to: { path: '^src/', pathNot: [layer('kernel'), layer('text')] },
    },
    ...Object.entries(kernelServices).map(([name, uses]) => ({
      name: `${name}-builds-on-the-kernel`,
      comment: `${name}/ is a service on the kernel: it uses the kernel's facade and ports (and ${uses.length ? uses.join(', ') : 'no other service'}), never an adapter, the host or the UI.`,
      severity: 'error',
      from: { path: layer(name) },
      to: { path: '^src/', pathNot: [layer(name), layer('kernel'), layer('text'), ...uses.map(layer)] },
    })),
    ...services.map((name) => ({
      name: `${name}-not-siblings`,
      comment: `${name}/ builds on the kernel's ports; it does not reach into its siblings, the host or the UI (the shared interface belongs in the lower folder).`,
      severity: 'error',
      from: { path: layer(name) },
      to: { path: `^src/(${[...services.filter((s) => s !== name), 'host', 'cli', 'extension', 'webview', 'protocol'].join('|')})/` },
    })),
    {
      name: 'step-through-the-step-api',
      comment: "The step loop touches the kernel only through the step API (kernel/stepApi.ts) and the facade's views: a step reads in a few files (docs/architecture.md, One agent step).",
      severity: 'error',
      from: { path: '^src/kernel/step/' },
      to: { path: '^src/kernel/(processTable|scheduler|journal|eventBus|byteQuotas|heap|tokenBucket|context/)' },
    },
    {
      name: 'text-is-a-leaf',
      comment: 'src/text holds pure helpers (escaping, plurals, byte sizes, the throttle) that every folder may use; it imports nothing of ours.',
      severity: 'error',
      from: { path: layer('text') },
      to: { path: '^src/', pathNot: layer('text') },
    },
    {
      name: 'settings-is-a-leaf',
      comment: "src/settings holds the developer's settings as plain data shapes (models, vscode.lm calls) that the wire and the adapters share; it imports nothing of ours.",
      severity: 'error',
      from: { path: layer('settings') },
      to: { path: '^src/', pathNot: layer('settings') },
    },
    {
      name: 'protocol-is-a-leaf',
      comment: 'The protocol is imported by both ends; it imports nothing of ours but the shared settings shapes.',
      severity: 'error',
      from: { path: layer('protocol') },
      to: { path: '^src/', pathNot: [layer('protocol'), layer('text'), layer('settings')] },
    },
    {
      name: 'ui-only-through-protocol',
      comment: 'The extension and the webviews talk to the kernel only through the typed protocol.',
      severity: 'error',
      from: { path: '^src/(extension|webview)/' },
      to: { path: '^src/', pathNot: ['^src/protocol/', '^src/text/', '^src/extension/', '^src/webview/'] },
    },
    {
      name: 'webview-not-extension',
      severity: 'error',
      from: { path: layer('webview') },
      to: { path: layer('extension') },
    },
    {
      name: 'nothing-imports-entry-points',
      comment: 'The host, the CLI, the extension and the webviews are entry points: nothing below them imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(host|cli|extension|webview)/' },
      to: { path: '^src/(host|cli|extension|webview)/' },
    },
    {
      name: 'session-is-the-composition-root',
      comment: 'src/session wires one kernel session for the host, the CLI, tests and benchmarks; the parts it wires do not know it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(session|host|cli)/' },
      to: { path: '^src/session/' },
    },
    {
      name: 'cli-not-host',
      comment: 'The CLI and the kernel host are two entry points over one composition root; neither imports the other.',
      severity: 'error',
      from: { path: layer('cli') },
      to: { path: '^src/(host|extension|webview)/' },
    },
    {
      name: 'cli-opens-kernels-through-session',
      comment: 'The CLI builds no kernel or step loop of its own: it opens one through src/session (KernelSession, StoppedKernel).',
      severity: 'error',
      from: { path: layer('cli') },
      to: { path: ['^src/kernel/kernel[.]ts$', '^src/kernel/step/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'vscode-only-in-extension',
      comment: "Only src/extension may import 'vscode'; everything else runs under plain Node (tests, CLI, kernel host).",
      severity: 'error',
      from: { path: '^src/', pathNot: layer('extension') },
      to: { path: '^vscode$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // TypeScript 7 ships no JavaScript compiler API; swc parses the sources instead.
    parser: 'swc',
  },
};
