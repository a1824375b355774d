// A tiny MCP server over stdio that misbehaves on purpose, speaking raw JSON-RPC lines:
//   node mcpStuckServer.mjs silent   never answers anything (not even initialize)
//   node mcpStuckServer.mjs hang     answers initialize and tools/list, never answers tools/call
import { createInterface } from 'node:readline';

const mode = process.argv[2] ?? 'silent';
const send = (msg) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (mode === 'silent') return;
  const m = JSON.parse(line);
  if (m.method === 'initialize') {
    send({ id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'stuck', version: '1.0.0' } } });
  } else if (m.method === 'tools/list') {
    send({ id: m.id, result: { tools: [{ name: 'wait', description: 'never returns', inputSchema: { type: 'object', properties: {} } }] } });
  }
  // tools/call and everything else: no answer, ever
});
