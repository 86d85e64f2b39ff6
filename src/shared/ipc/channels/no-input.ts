import { z } from 'zod';
import type { ChannelSpec } from '../contract';

// Kept out of contract.ts, which the preload imports without zod.

/** The input of a call that takes nothing: an empty object and no other key. */
export const NoInput = z.object({}).strict();

/** A channel that takes no input: only what it does and what it answers. */
export function channelWithoutInput<O extends z.ZodType>(summary: string, output: O): ChannelSpec<typeof NoInput, O> {
  return { summary, input: NoInput, output };
}
