import { ERROR_CODES, type ErrorCode } from './errorCodes.js';

export interface PocomputeErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** The one error type of pocompute: a stable code, a one-line message, a hint and an exit code. */
export class PocomputeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PocomputeErrorOptions = {}) {
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PocomputeError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.exitCode = ERROR_CODES[code].exit;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      exitCode: this.exitCode,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isPocomputeError(error: unknown, code?: ErrorCode): error is PocomputeError {
  return error instanceof PocomputeError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a PocomputeError, keeping the original as the cause. */
export function toPocomputeError(error: unknown, fallback: ErrorCode = 'INTERNAL'): PocomputeError {
  if (error instanceof PocomputeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PocomputeError(fallback, message, { cause: error });
}

/** Messages are one line: engines and compilers like to print paragraphs. */
export function oneLine(text: string, max = 600): string {
  const flat = text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
