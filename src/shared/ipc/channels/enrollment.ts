import { z } from 'zod';
import { channel } from '../contract';
import { UserId } from '../../domain/user';
import { TicketRef } from './users';
import { EnrollmentMode, EnrollmentOptions, EnrollmentView } from '../../domain/enrollment';

/** An enrollment id as main hands them out. */
export const EnrollmentId = z
  .string()
  .trim()
  .regex(/^enr_[A-Za-z0-9_-]{8,64}$/, 'Start an enrollment first');

/** Start an enrollment one of the three ways. */
export const EnrollmentStartInput = z.object({ userId: UserId, mode: EnrollmentMode, ticket: TicketRef.optional() }).strict();
export type EnrollmentStartInput = z.input<typeof EnrollmentStartInput>;

const ById = z.object({ enrollmentId: EnrollmentId }).strict();

/** The `enrollment:*` channels: getting a user enrolled after the caller is verified. */
export const enrollmentChannels = {
  'enrollment:options': channel({
    summary: 'Which ways to enroll a user are open now, and why not when one is closed',
    input: z.object({ userId: UserId }).strict(),
    output: EnrollmentOptions,
  }),
  'enrollment:start': channel({
    summary: 'Open the pre-built UI or the guided page in a sandboxed window, or create a link for the user (recorded)',
    input: EnrollmentStartInput,
    output: EnrollmentView,
  }),
  'enrollment:check': channel({
    summary: 'The state of an enrollment; for a link, main asks the tenant for the action and the authenticators',
    input: ById,
    output: EnrollmentView,
  }),
  'enrollment:cancel': channel({
    summary: 'Close the enrollment window, or stop watching a link (recorded)',
    input: ById,
    output: EnrollmentView,
  }),
};
