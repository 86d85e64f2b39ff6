import { z } from 'zod';
import { channel } from '../contract';
import { UserId } from '../../domain/user';
import { TicketRef } from './users';
import {
  OFFLINE_NOTE_MAX_LENGTH,
  OFFLINE_NOTE_MIN_LENGTH,
  VerificationOptions,
  VerificationView,
} from '../../domain/verification';

/** A verification id as main hands them out. */
export const VerificationId = z
  .string()
  .trim()
  .regex(/^ver_[A-Za-z0-9_-]{8,64}$/, 'Start a verification first');

/** Start checking the caller: a code to a verified contact, or a pre-built UI challenge link. */
export const VerificationStartInput = z.discriminatedUnion('method', [
  z
    .object({
      userId: UserId,
      method: z.enum(['email-otp', 'sms-otp']),
      /** One of the `targets` of `verification:options`. */
      targetRef: z.string().trim().min(1, 'Pick where to send the code').max(300),
      /** The ticket of the call, carried on every entry of this verification. */
      ticket: TicketRef.optional(),
    })
    .strict(),
  z.object({ userId: UserId, method: z.literal('prebuilt-ui'), ticket: TicketRef.optional() }).strict(),
]);
export type VerificationStartInput = z.input<typeof VerificationStartInput>;

/** The code the caller read back. */
export const VerificationCodeInput = z
  .object({
    verificationId: VerificationId,
    code: z
      .string()
      .transform((c) => c.replace(/[\s-]/g, ''))
      .pipe(z.string().regex(/^\d{4,10}$/, 'Enter the digits of the code the caller reads to you')),
  })
  .strict();
export type VerificationCodeInput = z.input<typeof VerificationCodeInput>;

/** How the agent checked a caller who has nothing enrolled. */
export const OfflineVerificationInput = z
  .object({
    userId: UserId,
    note: z
      .string()
      .trim()
      .min(OFFLINE_NOTE_MIN_LENGTH, `Describe how you checked the caller in at least ${OFFLINE_NOTE_MIN_LENGTH} characters: it goes into the audit log`)
      .max(OFFLINE_NOTE_MAX_LENGTH, `Keep it under ${OFFLINE_NOTE_MAX_LENGTH} characters`),
    ticket: TicketRef.optional(),
  })
  .strict();
export type OfflineVerificationInput = z.input<typeof OfflineVerificationInput>;

const ById = z.object({ verificationId: VerificationId }).strict();

/** The `verification:*` channels: checking that the caller is the user before any change. */
export const verificationChannels = {
  'verification:options': channel({
    summary: "How the caller can be verified: the user's verified contacts (masked), a challenge link, or the offline procedure",
    input: z.object({ userId: UserId }).strict(),
    output: VerificationOptions,
  }),
  'verification:start': channel({
    summary: 'Send a code to a verified contact, or create a pre-built UI challenge link for the user (recorded)',
    input: VerificationStartInput,
    output: VerificationView,
  }),
  'verification:submit-code': channel({
    summary: 'Check the code the caller read back (recorded)',
    input: VerificationCodeInput,
    output: VerificationView,
  }),
  'verification:check': channel({
    summary: 'The state of a verification; for a challenge link, main asks the tenant for the action state',
    input: ById,
    output: VerificationView,
  }),
  'verification:record-offline': channel({
    summary: 'Record how the agent checked a caller who has nothing enrolled (recorded)',
    input: OfflineVerificationInput,
    output: VerificationView,
  }),
  'verification:cancel': channel({
    summary: 'Stop a pending verification, or end a live one early (recorded)',
    input: ById,
    output: VerificationView,
  }),
};
