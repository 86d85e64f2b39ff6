import { z } from 'zod';
import { AppError, isAppError, type ErrorInfo, type ValidationIssue } from '@shared/errors';
import {
  CHANNEL_NAMES,
  channels,
  type ChannelName,
  type ChannelOutput,
  type ChannelParsedInput,
} from '@shared/ipc';
import type { Result } from '@shared/ipc/result';

/** Who is calling: the transport fills it in after its own checks (origin, frame, token). */
export interface CallContext {
  /** The transport the call came through. */
  transport: 'electron' | 'harness' | 'extension' | 'test';
}

/** One handler per channel; it receives the parsed input and may throw an {@link AppError}. */
export type Handlers = {
  [C in ChannelName]: (input: ChannelParsedInput<C>, ctx: CallContext) => Promise<ChannelOutput<C>> | ChannelOutput<C>;
};

/** Reports errors that are not an AppError (bugs); wired to the redacting logger in main. */
export type UnexpectedErrorSink = (channel: string, error: unknown) => void;

/** The transport-agnostic router: served by ipcMain in Electron and by the harness bridge over HTTP. */
export interface Router {
  readonly channels: readonly ChannelName[];
  /** Parses, dispatches, shapes the output. Never throws. */
  handle(channel: string, rawInput: unknown, ctx: CallContext): Promise<Result<unknown>>;
}

/** Validation issues by path only: zod's messages name types and limits, never received values. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({
    // SECURITY: record keys in a path are caller-chosen: cap each, so a path never carries a value.
    path: i.path.map((p) => (String(p).length > MAX_PATH_SEGMENT ? `${String(p).slice(0, MAX_PATH_SEGMENT)}…` : String(p))).join('.'),
    code: i.code,
    // SECURITY: zod names unrecognized keys in its message; they are caller-chosen text (found by
    // the IPC fuzzer), so say how many instead of echoing them.
    message: i.code === 'unrecognized_keys' ? `Unexpected field${i.keys.length === 1 ? '' : 's'} (${i.keys.length}): remove ${i.keys.length === 1 ? 'it' : 'them'}` : i.message,
  }));
}

/** Longest path segment an issue repeats back. */
const MAX_PATH_SEGMENT = 64;

function isChannel(name: string): name is ChannelName {
  return (CHANNEL_NAMES as readonly string[]).includes(name);
}

/**
 * Builds the router over a complete handler table. The table's type demands exactly one handler
 * per channel in the schema table, so a handler without a schema cannot be registered.
 */
export function createRouter(handlers: Handlers, onUnexpected: UnexpectedErrorSink = () => {}): Router {
  return {
    channels: CHANNEL_NAMES,
    async handle(name, rawInput, ctx) {
      if (!isChannel(name)) {
        return { ok: false, error: { code: 'validation', message: 'Unknown channel' } };
      }
      const spec = channels[name];
      // SECURITY: nothing reaches a service unless its schema accepted it; issues carry paths, never values.
      const parsed = spec.input.safeParse(rawInput ?? {});
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            code: 'validation',
            message: 'Some of the details are not valid; correct the highlighted fields and try again.',
            issues: toIssues(parsed.error),
          },
        };
      }
      try {
        const handler = handlers[name] as (input: unknown, ctx: CallContext) => unknown;
        const value = await handler(parsed.data, ctx);
        // SECURITY: outputs go through their schema too; object schemas strip unknown keys, so a field
        // that should never leave main (a secret, a token) cannot ride along by accident.
        const shaped = spec.output.safeParse(value);
        if (!shaped.success) {
          onUnexpected(name, new Error(`Output of ${name} did not match its schema`, { cause: shaped.error }));
          return { ok: false, error: { code: 'internal', message: 'Authdesk produced an unexpected answer. Try again; if it persists, report it.' } };
        }
        return { ok: true, value: shaped.data };
      } catch (error) {
        return { ok: false, error: toErrorInfo(name, error, onUnexpected) };
      }
    },
  };
}

/** Turns anything thrown into an ErrorInfo that is safe to show. */
export function toErrorInfo(channelName: string, error: unknown, onUnexpected: UnexpectedErrorSink): ErrorInfo {
  if (isAppError(error)) return AppError.prototype.toInfo.call(error);
  if (error instanceof z.ZodError) {
    return { code: 'validation', message: 'Some of the details are not valid.', issues: toIssues(error) };
  }
  onUnexpected(channelName, error);
  return { code: 'internal', message: 'Something went wrong inside Authdesk. Try again; if it persists, report it.' };
}
