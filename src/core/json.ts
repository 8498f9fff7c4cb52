import { PocomputeError } from './errors.js';
import type { ErrorCode } from './errorCodes.js';

/**
 * Limits on the JSON pocompute reads from users (bundles, inputs, settings, runs): a file larger
 * than the size cap is refused before it is read, and a document nested deeper than the depth cap
 * is refused before it is parsed, so that neither memory nor the call stack depends on the input.
 */
export const JSON_LIMITS = {
  /** `POCOMPUTE_MAX_JSON_MIB` (default 64 MiB). */
  maxBytes: (): number => envNumber('POCOMPUTE_MAX_JSON_MIB', 64) * 1024 * 1024,
  /** `POCOMPUTE_MAX_JSON_DEPTH` (default 64 levels of arrays/objects). */
  maxDepth: (): number => envNumber('POCOMPUTE_MAX_JSON_DEPTH', 64),
};

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export interface ParseJsonOptions {
  /** What the text is, for messages ("proof bundle", "input file"). */
  what: string;
  /** The code a failure is reported under (an exit-2 code: BUNDLE_INVALID, INPUT_INVALID…). */
  code: ErrorCode;
  maxDepth?: number;
}

/**
 * The deepest nesting of arrays/objects in a JSON text, found by a scan (no recursion): the regular
 * expression engine finds the next quote or bracket, and a string is skipped to its closing quote
 * (one with an even run of backslashes before it) by indexOf — hex strings and number arrays, most of
 * a bundle, are not walked a character at a time in JavaScript.
 */
export function jsonTextDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  const structural = /["[\]{}]/g;
  let depth = 0;
  let max = 0;
  for (let match = structural.exec(text); match; match = structural.exec(text)) {
    const c = text.charCodeAt(match.index);
    if (c === 0x22) {
      const content = match.index + 1;
      let from = content;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return max; // unterminated: the rest is inside the string
        let backslashes = 0;
        while (
          quote - backslashes - 1 >= content &&
          text.charCodeAt(quote - backslashes - 1) === 0x5c
        )
          backslashes++;
        from = quote + 1;
        if (backslashes % 2 === 0) break;
      }
      structural.lastIndex = from;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else depth--;
  }
  return max;
}

/** The deepest nesting of an already parsed value, without recursion. */
export function jsonValueDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    const level = depth + 1;
    if (level > max) {
      max = level;
      if (max > stopAbove) return max;
    }
    for (const child of Array.isArray(item) ? item : Object.values(item))
      if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return max;
}

/** Throws the given code when a parsed value is nested deeper than the cap. */
export function assertJsonDepth(value: unknown, options: ParseJsonOptions): void {
  const max = options.maxDepth ?? JSON_LIMITS.maxDepth();
  if (jsonValueDepth(value, max) > max) throw tooDeep(options, max);
}

/** JSON.parse with the depth cap checked first; failures are one-line errors under `code`. */
export function parseJsonText(text: string, options: ParseJsonOptions, source = ''): unknown {
  const max = options.maxDepth ?? JSON_LIMITS.maxDepth();
  if (jsonTextDepth(text, max) > max) throw tooDeep(options, max, source);
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the error: say where, never what (the file may be a secret).
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new PocomputeError(
      options.code,
      `${options.what} is not valid JSON${at ? ` (at byte ${at})` : ''}` +
        (source ? `: ${source}` : ''),
      { cause: error },
    );
  }
}

function tooDeep(options: ParseJsonOptions, max: number, source = ''): PocomputeError {
  return new PocomputeError(
    options.code,
    `${options.what} is nested more than ${max} levels deep${source ? `: ${source}` : ''}`,
    {
      hint: `No pocompute file nests that deep; POCOMPUTE_MAX_JSON_DEPTH raises the cap (${max}).`,
    },
  );
}

/**
 * Key-sorted JSON, so that hashes of options do not depend on property order (no `node:` import:
 * receipts are written and checked in browsers too).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * JSON with object keys sorted by UTF-16 code units (JavaScript's `<` on strings; the same as code
 * points for keys without astral characters) at every level — except that integer-like keys come
 * first in ascending numeric order, as JavaScript objects keep them — the same bytes in any
 * JavaScript engine and locale (localeCompare is not): what a signed or hashed document is
 * serialised as. The name stays for the receipts and bundles already hashed with it.
 */
export function codePointSortedJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    indent,
  );
}
