import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_BIN } from './paths';
import { pollUntil } from './poll';

/** Options for {@link openWorkbench}. */
export interface WorkbenchOptions {
  /** Folder that {@link Workbench.screenshot} writes PNGs into (created if missing). */
  screenshotsDir: string;
  /** Longest wait for any UI state (default 30 s). */
  timeoutMs?: number;
  /** Browser window size (default 1280×800). */
  viewport?: { width: number; height: number };
}

/**
 * Flags that let Debian's Chromium run as root, headless, on a machine with no internet: without
 * the networking ones it keeps trying Google's hosts and the closed network refuses each try.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Launches Chromium, opens `folder` in the code-server at `url`, and waits for the workbench. */
export async function openWorkbench(url: string, folder: string, options: WorkbenchOptions): Promise<Workbench> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_BIN, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const timeoutMs = options.timeoutMs ?? 30_000;
    page.setDefaultTimeout(timeoutMs);
    const workbench = new Workbench(browser, page, options.screenshotsDir, timeoutMs);
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await workbench.waitReady();
    return workbench;
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** A VS Code workbench in a Chromium page, driven the way a developer would: keys and clicks. */
export class Workbench {
  constructor(
    /** The browser, for anything the helpers do not cover. */
    readonly browser: Browser,
    /** The page showing the workbench. */
    readonly page: Page,
    private readonly screenshotsDir: string,
    private readonly timeoutMs: number,
  ) {}

  /** Waits until the workbench is laid out (after load or reload). */
  async waitReady(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible' });
  }

  /** Runs a command by its palette title ("Hello: Say Hi"): F1, type, Enter. */
  async runCommand(title: string): Promise<void> {
    const input = this.quickInputBox();
    const row = this.quickRow(title);
    // An extension's commands are listed only once the extension host has registered its
    // contributions, and an open palette does not refresh: reopen it until the command shows.
    await pollUntil(
      async () => {
        await this.openCommandPalette();
        await input.fill(`>${title}`);
        if (await row.first().waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false)) return true;
        await this.page.keyboard.press('Escape');
        return undefined;
      },
      { timeoutMs: this.timeoutMs, what: `command "${title}" in the command palette` },
    );
    await this.chooseRow(row);
    // Done when the palette closed, or was reused by the command for its own picker or input.
    await pollUntil(async () => ((await this.quickInputOpen()) && (await input.inputValue()) === `>${title}` ? undefined : true), {
      timeoutMs: this.timeoutMs,
      what: `command "${title}" to leave the command palette`,
    });
  }

  /** Types `text` into the open input box (showInputBox, or a picker's filter) and presses Enter. */
  async quickInput(text: string): Promise<void> {
    const input = this.quickInputBox();
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    await input.press('Enter');
    await pollUntil(async () => ((await this.quickInputOpen()) && (await input.inputValue()) === text ? undefined : true), {
      timeoutMs: this.timeoutMs,
      what: `the input box to accept "${text}"`,
    });
  }

  /** Filters the open quick pick by `label` and chooses the item whose label is exactly `label`. */
  async pickQuickItem(label: string): Promise<void> {
    const input = this.quickInputBox();
    await input.waitFor({ state: 'visible' });
    await input.fill(label); // the list is virtual: filtering brings the item into view
    const row = this.quickRow(label);
    await this.chooseRow(row);
    await pollUntil(async () => ((await this.quickInputOpen()) && (await row.count()) > 0 ? undefined : true), {
      timeoutMs: this.timeoutMs,
      what: `the quick pick to accept "${label}"`,
    });
  }

  /** Shows the view container whose activity-bar icon is labelled `title` ("Hello Views"). */
  async openViewContainer(title: string): Promise<void> {
    const label = `a.action-label[aria-label^=${cssString(title)}]`;
    const item = this.page.locator('.part.activitybar li.action-item').filter({ has: this.page.locator(label) });
    const icon = item.locator(label);
    await icon.waitFor({ state: 'visible' }); // appears once the extension's contributions load
    // Clicking the icon of the container already shown would hide the side bar.
    if (!(await item.evaluate((li) => li.classList.contains('checked')))) await icon.click();
    await this.page
      .locator('.part.sidebar .composite.title h2')
      .filter({ hasText: new RegExp(`^${escapeRegExp(title)}`, 'i') })
      .waitFor({ state: 'visible' });
  }

  /** Text of each row of the tree in view `viewTitle`, once it has at least `atLeast` rows. */
  async treeRows(viewTitle: string, atLeast = 1): Promise<string[]> {
    // A container with one view hides the header, but the header (and its label) is still there.
    const pane = this.page
      .locator('.pane')
      .filter({ has: this.page.locator(`:scope > .pane-header[aria-label=${cssString(`${viewTitle} Section`)}]`) });
    const header = pane.locator(':scope > .pane-header');
    await header.waitFor({ state: 'attached' });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const rows = pane.locator('.pane-body .monaco-list-row');
    return pollUntil(
      async () => {
        const texts = await rows.evaluateAll((els) => els.map((el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
        return texts.length >= atLeast ? texts : undefined;
      },
      { timeoutMs: this.timeoutMs, what: `at least ${atLeast} row(s) in view "${viewTitle}"` },
    );
  }

  /** Clicks button `label` on a notification toast and waits for the toast to go. */
  async clickNotificationButton(label: string): Promise<void> {
    const button = this.page.locator('.notification-toast a.monaco-button').filter({ hasText: exactText(label) });
    await button.first().click();
    await button.first().waitFor({ state: 'detached' });
  }

  /** Right-clicks the list row showing `rowText` and chooses `item` from its context menu. */
  async contextMenu(rowText: string, item: string): Promise<void> {
    const row = this.page.locator('.monaco-list-row').filter({ has: this.page.getByText(rowText, { exact: true }) });
    await row.first().click({ button: 'right' });
    // The menu lives in a shadow root; Playwright's CSS engine looks inside open ones.
    const entry = this.page
      .locator('.monaco-menu li.action-item')
      .filter({ has: this.page.locator(`.action-label[aria-label=${cssString(item)}]`) });
    // A menu item listens for mouseup only 100 ms after the menu renders (so the right-click's
    // own release does not pick an item), so a fast click can be lost: hover focuses the item,
    // and Enter, which is handled at once, runs it.
    await entry.hover();
    await pollUntil(async () => ((await entry.evaluate((li) => li.classList.contains('focused'))) ? true : undefined), {
      timeoutMs: this.timeoutMs,
      what: `context-menu item "${item}" to take focus`,
    });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.monaco-menu').waitFor({ state: 'detached' });
  }

  /** Waits for a status-bar item whose text contains `match` (or matches the RegExp) and returns its text. */
  async statusBarText(match: string | RegExp): Promise<string> {
    const items = this.page.locator('.part.statusbar .statusbar-item');
    const test = (text: string) => (typeof match === 'string' ? text.includes(match) : match.test(text));
    return pollUntil(
      async () => (await items.evaluateAll((els) => els.map((el) => (el as HTMLElement).innerText.trim()))).find(test),
      { timeoutMs: this.timeoutMs, what: `a status-bar item matching ${String(match)}` },
    );
  }

  /** Saves a PNG of the whole window as `<screenshotsDir>/<name>.png` and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(this.screenshotsDir, { recursive: true });
    const path = join(this.screenshotsDir, `${name}.png`);
    // Finish CSS animations first, or a toast or menu is captured halfway through fading in.
    await this.page.screenshot({ path, animations: 'disabled' });
    return path;
  }

  /** Switches to VS Code's default light or dark theme through the theme picker. */
  async setTheme(kind: 'light' | 'dark'): Promise<void> {
    await this.runCommand('Preferences: Color Theme');
    await this.pickQuickItem(kind === 'light' ? 'Light Modern' : 'Dark Modern');
    // The workbench element carries the theme type as a class: 'vs' (light) or 'vs-dark'.
    await this.page.locator(`.monaco-workbench.${kind === 'light' ? 'vs' : 'vs-dark'}`).waitFor({ state: 'visible' });
  }

  /** Closes the browser (code-server keeps running until its own stop()). */
  async close(): Promise<void> {
    await this.browser.close();
  }

  private quickInputOpen(): Promise<boolean> {
    return this.page.locator('.quick-input-widget').isVisible();
  }

  /** Opens the command palette; retries F1 because keybindings register a moment after layout. */
  private async openCommandPalette(): Promise<void> {
    const input = this.quickInputBox();
    if (await this.quickInputOpen()) await this.page.keyboard.press('Escape');
    await pollUntil(
      async () => {
        if ((await input.isVisible()) && (await input.inputValue()).startsWith('>')) return true;
        await this.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 1_000 });
        return undefined;
      },
      { timeoutMs: this.timeoutMs, what: 'the command palette to open' },
    );
  }

  private quickInputBox(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /** The quick-input row whose label is exactly `label`. */
  private quickRow(label: string): Locator {
    return this.page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name').filter({ hasText: exactText(label) }) });
  }

  /** Enter when the row is the focused one (as a developer would), a click otherwise. */
  private async chooseRow(row: Locator): Promise<void> {
    await row.first().waitFor({ state: 'visible' });
    if (await row.first().evaluate((el) => el.classList.contains('focused'))) await this.page.keyboard.press('Enter');
    else await row.first().click();
  }
}

/** A CSS string literal for attribute selectors. */
function cssString(value: string): string {
  return JSON.stringify(value);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches an element whose whole text is `value`, ignoring surrounding whitespace. */
function exactText(value: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(value)}\\s*$`);
}
