/**
 * Which image a sandbox runs: the configured one; else the workspace's devcontainer image;
 * else AIOS's own small image (busybox + the host's node), built offline by `npm run sandbox:image`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';

/** Bump when the default image's layout changes (the build script also labels a content hash). */
export const SANDBOX_IMAGE_VERSION = '1';
/** The default image's name. */
export const DEFAULT_SANDBOX_IMAGE = `aios-sandbox:${SANDBOX_IMAGE_VERSION}`;
/** Label holding the hash of what went into the default image, so rebuilding can be skipped. */
export const CONTENT_LABEL = 'aios.sandbox.content';

/** The chosen image and why. */
export interface ImageChoice {
  image: string;
  source: 'config' | 'devcontainer' | 'default';
}

/** Configuration first, then `.devcontainer/devcontainer.json` (`image`), then the default. */
export function chooseImage(workspace: string, configured?: string): ImageChoice {
  if (configured?.trim()) return { image: configured.trim(), source: 'config' };
  const fromDevcontainer = devcontainerImage(workspace);
  if (fromDevcontainer) return { image: fromDevcontainer, source: 'devcontainer' };
  return { image: DEFAULT_SANDBOX_IMAGE, source: 'default' };
}

/** The `image` of the workspace's devcontainer.json, or undefined (no file, a Dockerfile-based one, bad JSON). */
export function devcontainerImage(workspace: string): string | undefined {
  for (const rel of ['.devcontainer/devcontainer.json', '.devcontainer.json']) {
    let text: string;
    try {
      text = readFileSync(join(workspace, rel), 'utf8');
    } catch {
      continue;
    }
    try {
      const json = JSON.parse(stripJsonComments(text)) as { image?: unknown };
      return typeof json.image === 'string' && json.image.trim() ? json.image.trim() : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Removes // and /* *\/ comments and trailing commas (JSONC), leaving strings intact. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return dropTrailingCommas(out);
}

function dropTrailingCommas(text: string): string {
  const closer = /\s*[}\]]/y;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, i + 1);
    } else if (c === ',' && ((closer.lastIndex = i + 1), closer.test(text))) {
      continue;
    } else {
      out += c;
    }
  }
  return out;
}

/** The image is not in the engine; says how to get it. */
export class ImageMissingError extends Error {
  constructor(readonly image: string, source: ImageChoice['source']) {
    super(
      source === 'default'
        ? `Sandbox image ${image} not found in the Docker engine: build it with \`npm run sandbox:image\``
        : `Sandbox image ${image} (from ${source === 'config' ? 'aios.sandbox.image' : '.devcontainer/devcontainer.json'}) not found in the Docker engine: \`docker pull ${image}\`, or build the default with \`npm run sandbox:image\` and unset it`,
    );
    this.name = 'ImageMissingError';
  }
}

/** Throws ImageMissingError unless the engine has the image (we never pull: sandboxes start offline). */
export async function assertImagePresent(docker: Docker, choice: ImageChoice): Promise<void> {
  try {
    await docker.getImage(choice.image).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw new ImageMissingError(choice.image, choice.source);
    throw err;
  }
}
