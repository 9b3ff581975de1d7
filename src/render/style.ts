/**
 * Colour for the terminal report: plain SGR codes, added only after text has been sanitized and laid out, and only
 * when colour is on (with colour off, the output contains no ESC byte at all).
 */
import type { Severity } from '../diagnosis/types.js';

export type Style = 'red' | 'yellow' | 'green' | 'cyan' | 'bold' | 'dim' | 'boldRed' | 'boldYellow';

const CODES: Record<Style, readonly [string, string]> = {
  red: ['\x1b[31m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  cyan: ['\x1b[36m', '\x1b[39m'],
  bold: ['\x1b[1m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  boldRed: ['\x1b[1;31m', '\x1b[22;39m'],
  boldYellow: ['\x1b[1;33m', '\x1b[22;39m'],
};

/** `text` wrapped in the style's codes when `color` is on; `text` itself otherwise. */
export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || style === undefined || text === '') return text;
  const [on, off] = CODES[style];
  return on + text + off;
}

/** Red for errors, yellow for warnings, green for healthy. */
export function severityStyle(severity: Severity): Style {
  return severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'green';
}

/** Removes the SGR codes this module writes (for measuring). */
export function stripStyle(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
