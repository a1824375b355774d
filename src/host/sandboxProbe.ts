/** Whether code actions work: checks the Docker engine and the image once, and again on demand. */
import { resolveDockerHost } from '../sandbox/engine';
import { chooseImage } from '../sandbox/image';
import type { DockerSandbox } from '../sandbox/sandbox';
import type { SandboxSettings } from '../protocol/hostMethods';
import type { SandboxStatusView } from '../protocol/hostTypes';

export class SandboxProbe {
  private current: SandboxStatusView;

  constructor(
    private readonly sandbox: DockerSandbox | null,
    private readonly workspace: string,
    private readonly settings: SandboxSettings,
    private readonly onChange: () => void,
    private readonly log: (line: string) => void,
  ) {
    this.current = sandbox ? { status: 'checking' } : { status: 'disabled' };
  }

  get status(): SandboxStatusView {
    return this.current;
  }

  /** Connects, checks the image and warms the pool; without an engine, run_command reports the same error. */
  async check(): Promise<void> {
    if (!this.sandbox) return;
    this.set({ status: 'checking' });
    try {
      await this.sandbox.start();
      const image = chooseImage(this.workspace, this.settings.image ?? undefined).image;
      this.set({ status: 'ready', image, engine: resolveDockerHost(this.settings.dockerHost ?? undefined) });
      this.log(`sandbox ready: ${image}`);
    } catch (err) {
      const message = (err as Error).message;
      this.set({ status: 'unavailable', message });
      this.log(`sandbox unavailable (every other feature works; run_command reports this): ${message}`);
    }
  }

  private set(status: SandboxStatusView): void {
    this.current = status;
    this.onChange();
  }
}
