/**
 * Charts drawn with uPlot (bundled, no CDN): cumulative tokens and dollars per agent, and the
 * scheduler timeline (uPlot's time axis and scales, lanes painted in its draw hook). Colours come
 * from VS Code's theme variables, read when a chart is built.
 */
import uPlot from 'uplot';
import type { TimelineView, UsageView } from '../protocol/dashboard';
import { themeColor } from './dom';

/** The chart palette: VS Code's chart colours, in a stable order. */
export function palette(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'), themeColor('--vscode-charts-orange', '#d18616'), themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-purple', '#b180d7'), themeColor('--vscode-charts-red', '#f14c4c'), themeColor('--vscode-charts-yellow', '#cca700'),
    themeColor('--vscode-terminal-ansiCyan', '#11a8cd'), themeColor('--vscode-terminal-ansiMagenta', '#bc3fbc'), themeColor('--vscode-descriptionForeground', '#888888'),
  ];
}

function axes(): { stroke: string; grid: string } {
  return { stroke: themeColor('--vscode-descriptionForeground', '#888'), grid: themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)') };
}

function axis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  const a = axes();
  return { stroke: a.stroke, grid: { stroke: a.grid, width: 1 }, ticks: { stroke: a.grid, width: 1 }, font: '11px var(--vscode-font-family, sans-serif)', ...extra };
}

/** Cumulative usage per agent over time: `tokens` or `dollars`. */
export function usageChart(host: HTMLElement, usage: UsageView, field: 'tokens' | 'dollars', width: number): uPlot | null {
  if (usage.times.length === 0) return null;
  const colors = palette();
  const fmt = field === 'dollars' ? (v: number) => `$${v.toFixed(v < 1 ? 4 : 2)}` : (v: number) => compact(v);
  const opts: uPlot.Options = {
    width, height: 200,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [axis(), axis({ values: (_u, splits) => splits.map(fmt), size: 60 })],
    series: [
      {},
      ...usage.series.map((s, i) => ({
        // the total in the legend, exact: the same figure as the tables and the Agents view
        label: `${s.label}: ${field === 'dollars' ? `$${(s.dollars.at(-1) ?? 0).toFixed(4)}` : `${Math.round(s.tokens.at(-1) ?? 0).toLocaleString('en-US')} tokens`}`, stroke: colors[s.pid === null ? colors.length - 1 : i % (colors.length - 1)], width: 2,
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmt(v)),
      })),
    ],
    legend: { live: false },
  };
  const data: uPlot.AlignedData = [usage.times.map((t) => t / 1000), ...usage.series.map((s) => s[field])];
  return new uPlot(opts, data, host);
}

type LaneKind = 'running' | 'approval' | 'tool' | 'suspended';

/** Colours of the timeline's segment kinds and of rate-limit pauses. */
export function laneColors(): Record<LaneKind | 'rate_limit', string> {
  return {
    running: themeColor('--vscode-charts-blue', '#3794ff'),
    approval: themeColor('--vscode-charts-yellow', '#cca700'),
    tool: themeColor('--vscode-charts-purple', '#b180d7'),
    suspended: themeColor('--vscode-descriptionForeground', '#888888'),
    rate_limit: themeColor('--vscode-charts-red', '#f14c4c'),
  };
}

/** Which agent ran when, waited for approval or a tool, was suspended; rate-limit pauses shaded. */
export function timelineChart(host: HTMLElement, t: TimelineView, width: number): uPlot | null {
  if (t.lanes.length === 0) return null;
  const colors = laneColors();
  const n = t.lanes.length;
  const laneHeight = 22;
  const opts: uPlot.Options = {
    width, height: Math.max(120, n * laneHeight + 50),
    cursor: { show: false },
    legend: { show: false },
    scales: { x: { time: true, range: [t.from / 1000, t.to / 1000] }, y: { range: [0, n] } },
    axes: [
      axis(),
      axis({ size: 110, splits: () => t.lanes.map((_, i) => i + 0.5), values: (_u, splits) => splits.map((s) => t.lanes[Math.floor(s)]?.label ?? ''), grid: { show: false } }),
    ],
    series: [{}, { show: false }],
    hooks: {
      draw: [(u: uPlot) => {
        const ctx = u.ctx;
        ctx.save();
        const x = (ms: number) => u.valToPos(ms / 1000, 'x', true);
        const top = u.bbox.top;
        const bottom = top + u.bbox.height;
        ctx.fillStyle = colors.rate_limit;
        ctx.globalAlpha = 0.18;
        for (const p of t.rateLimits) ctx.fillRect(x(p.from), top, Math.max(1, x(p.to) - x(p.from)), bottom - top);
        ctx.globalAlpha = 1;
        t.lanes.forEach((lane, i) => {
          const y0 = u.valToPos(i + 0.85, 'y', true);
          const y1 = u.valToPos(i + 0.15, 'y', true);
          for (const s of lane.segments) {
            ctx.fillStyle = colors[s.kind];
            ctx.fillRect(x(s.from), y0, Math.max(devicePixelRatio, x(s.to) - x(s.from)), y1 - y0);
          }
        });
        ctx.restore();
      }],
    },
  };
  return new uPlot(opts, [[t.from / 1000, t.to / 1000], [null, null]], host);
}

/** 1.2k, 3.4M */
function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(Math.round(v));
}
