import type { z } from 'zod';
import type { Result } from './result';

/** One IPC channel: the schema its input is parsed with, and the schema its output is shaped by. */
export interface ChannelSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One line for docs and the CLI. */
  summary: string;
}

/** Declares a channel; only here to keep the literal types of its schemas. */
export function channel<I extends z.ZodType, O extends z.ZodType>(spec: ChannelSpec<I, O>): ChannelSpec<I, O> {
  return spec;
}

/** `set-active` -> `setActive`. */
export type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** `tenants:set-active` -> `tenants`. */
export type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
/** `tenants:set-active` -> `set-active`. */
export type VerbOf<C extends string> = C extends `${string}:${infer V}` ? V : never;

/** Runtime twin of {@link CamelCase}. */
export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `tenants:set-active` -> `{ domain: 'tenants', method: 'setActive' }`. */
export function methodOf(channelName: string): { domain: string; method: string } {
  const [domain, verb] = channelName.split(':');
  return { domain: camelCase(domain), method: camelCase(verb) };
}

/** `coverage:progress-changed` -> `onCoverageProgressChanged`. */
export function eventMethodOf(eventName: string): string {
  const [domain, noun] = eventName.split(':');
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `on${cap(camelCase(domain))}${cap(camelCase(noun))}`;
}

/** A method on `window.authdesk`: optional input when the schema accepts `{}`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` here means "an input with no required key"
export type ApiMethod<I, O> = {} extends I
  ? (input?: I) => Promise<Result<O>>
  : (input: I) => Promise<Result<O>>;
