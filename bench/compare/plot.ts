/**
 * Draws the comparison as an SVG (grouped bars: one group per agent count, one bar per way of
 * running) and, when Chromium is there, renders it to PNG through playwright-core.
 */
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../safety.bench';
import type { RunFigures } from './metrics';
import { MODES, type Mode } from './modes';

/** Figures per agent count and way of running. */
export type Table = Array<{ agents: number; calls: number; modes: Record<Mode, RunFigures> }>;

const COLORS: Record<Mode, string> = { sequential: '#8c8c8c', naive: '#d9534f', kernel: '#2f7ed8', priority: '#5cb85c' };
const PANELS: Array<{ key: keyof RunFigures; title: string; unit: string }> = [
  { key: 'makespan_s', title: 'Makespan', unit: 's' },
  { key: 'calls_429', title: 'Calls answered 429', unit: '' },
  { key: 'wait_p99_ms', title: 'p99 wait per call', unit: 'ms' },
  { key: 'urgent_wait_p99_ms', title: 'p99 wait, urgent agents', unit: 'ms' },
];

/** The SVG of the table. */
export function svgOf(table: Table, subtitle: string): string {
  const W = 1200, panelW = 280, panelH = 260, top = 90, left = 20;
  const parts: string[] = [];
  parts.push(`<text x="${left}" y="30" font-size="20" font-weight="600">AIOS kernel vs. sequential and naive concurrent agents, one rate-limited endpoint</text>`);
  parts.push(`<text x="${left}" y="54" font-size="13" fill="#555">${escape(subtitle)}</text>`);
  MODES.forEach((m, i) => {
    parts.push(`<rect x="${left + i * 150}" y="66" width="12" height="12" fill="${COLORS[m]}"/><text x="${left + i * 150 + 18}" y="77" font-size="13">${m}</text>`);
  });
  PANELS.forEach((panel, pi) => {
    const x0 = left + pi * (panelW + 18);
    const y0 = top + 24;
    const max = Math.max(1e-9, ...table.flatMap((row) => MODES.map((m) => Number(row.modes[m][panel.key]))));
    parts.push(`<text x="${x0}" y="${top + 10}" font-size="14" font-weight="600">${panel.title}${panel.unit ? ` (${panel.unit})` : ''}</text>`);
    parts.push(`<line x1="${x0}" y1="${y0 + panelH}" x2="${x0 + panelW}" y2="${y0 + panelH}" stroke="#333"/>`);
    const groupW = panelW / table.length;
    const barW = (groupW - 16) / MODES.length;
    table.forEach((row, gi) => {
      const gx = x0 + gi * groupW + 8;
      MODES.forEach((m, mi) => {
        const v = Number(row.modes[m][panel.key]);
        const h = (v / max) * (panelH - 20);
        const bx = gx + mi * barW;
        parts.push(`<rect x="${bx.toFixed(1)}" y="${(y0 + panelH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[m]}"/>`);
        parts.push(`<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${(y0 + panelH - h - 3).toFixed(1)}" font-size="9" text-anchor="middle">${short(v)}</text>`);
      });
      parts.push(`<text x="${(gx + (groupW - 16) / 2).toFixed(1)}" y="${y0 + panelH + 16}" font-size="12" text-anchor="middle">${row.agents} agents</text>`);
    });
  });
  const H = top + 24 + panelH + 40;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
}

/** Writes `base`.svg and, with Chromium, `base`.png; returns the paths written. */
export async function writePlot(table: Table, subtitle: string, base: string): Promise<string[]> {
  const svg = svgOf(table, subtitle);
  writeFileSync(`${base}.svg`, svg);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS }).catch(() => null);
  if (!browser) return [`${base}.svg`];
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 420 } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: `${base}.png` });
    return [`${base}.svg`, `${base}.png`];
  } finally {
    await browser.close();
  }
}

function short(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
