/**
 * The connection to the Docker engine: which host, a quick ping, and the one clear error the
 * rest of AIOS shows when there is no engine (code actions are then unavailable, nothing else).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';

/** The engine's address when neither the configuration nor DOCKER_HOST names one. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** No Docker engine answered; the message says where we looked and what to do. */
export class EngineUnreachableError extends Error {
  constructor(readonly host: string, cause: string) {
    super(`Docker engine not reachable at ${host} (${cause}): start Docker (sudo dockerd, or scripts/ensure-docker.sh) or set aios.sandbox.dockerHost`);
    this.name = 'EngineUnreachableError';
  }
}

/** A live engine connection. */
export interface Engine {
  docker: Docker;
  /** the address we connected to, for messages */
  host: string;
  /** engine version, e.g. `20.10.24` */
  version: string;
}

/**
 * The engine address: the configured one (aios.sandbox.dockerHost) wins because it is an explicit
 * choice in the editor; then DOCKER_HOST, as every Docker client does; then the default socket.
 */
export function resolveDockerHost(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return configured?.trim() || env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST;
}

/** Connection options for dockerode; every field is set so DOCKER_HOST cannot leak into a configured host. */
export function modemOptions(host: string, env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  if (host.startsWith('unix://') || host.startsWith('npipe://')) {
    return { socketPath: host.replace(/^(unix|npipe):\/\//, ''), host: undefined, port: undefined, protocol: 'http' };
  }
  if (host.startsWith('/')) return { socketPath: host, host: undefined, port: undefined, protocol: 'http' };
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    return { protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username, sshOptions: { agent: env.SSH_AUTH_SOCK } };
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.protocol === 'https:' || url.port === '2376';
  const certs = tls && env.DOCKER_CERT_PATH ? readCerts(env.DOCKER_CERT_PATH) : {};
  return { protocol: tls ? 'https' : 'http', host: url.hostname, port: url.port || (tls ? 2376 : 2375), ...certs };
}

function readCerts(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
}

/** Connects and pings within `timeoutMs`; throws EngineUnreachableError otherwise. */
export async function connectEngine(configuredHost?: string, timeoutMs = 3000): Promise<Engine> {
  const host = resolveDockerHost(configuredHost);
  let docker: Docker;
  try {
    docker = new Docker(modemOptions(host));
  } catch (err) {
    throw new EngineUnreachableError(host, (err as Error).message);
  }
  // A dead socket fails at once; a silent TCP peer would hang, hence the timeout.
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    // dockerode's version() passes `abortSignal` to the request (lib/docker.js); its types list no options
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(docker) below
    const versionOf: (options: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion> = docker.version;
    const version = await versionOf.call(docker, { abortSignal: timeout });
    return { docker, host, version: version.Version };
  } catch (err) {
    throw new EngineUnreachableError(host, timeout.aborted ? `no answer within ${timeoutMs} ms` : describe(err));
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string };
  return e.code ? `${e.code}${e.address ? ` ${e.address}` : ''}` : e.message ?? String(err);
}
