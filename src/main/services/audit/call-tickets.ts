import { AppError } from '@shared/errors';
import type { TenantPolicy } from '@shared/domain/settings';
import type { AuditAppendInput, AuditLogService } from './audit-log.service';

type AuditSink = Pick<AuditLogService, 'append' | 'assertWritable'>;

/**
 * The ticket of the call, carried on every audit entry of one verification or enrollment (its
 * start, each wrong code, its success, its end), so searching the log for a ticket returns the
 * whole story. The sink finds the ticket by the id the entry names in its details.
 */
export class CallTicketSink implements AuditSink {
  private readonly tickets = new Map<string, string>();

  constructor(
    private readonly inner: AuditSink,
    /** The details key naming the verification or enrollment (`verificationId`, `enrollmentId`). */
    private readonly idKey: string,
  ) {}

  /** Remembers the ticket of `id` (in memory, like the records it belongs to). */
  set(id: string, ticket: string | undefined): void {
    if (ticket) this.tickets.set(id, ticket);
  }

  append(input: AuditAppendInput) {
    const id = input.details?.[this.idKey];
    const ticket = typeof id === 'string' ? this.tickets.get(id) : undefined;
    return this.inner.append(ticket ? { ...input, details: { ...input.details, ticket } } : input);
  }

  assertWritable(): Promise<void> {
    return this.inner.assertWritable();
  }
}

/** Refuses a verification or enrollment without a ticket when the tenant's policy asks for one. */
export function requireTicketByPolicy(policy: TenantPolicy, ticket: string | undefined): void {
  // SECURITY: decided in main from the admin's policy, never from the console's form.
  if (policy.requireTicket && !ticket) {
    throw new AppError('validation', 'This tenant asks for the ticket of every call: enter it in “Ticket for this call” first.', {
      issues: [{ path: 'ticket', code: 'required', message: 'Enter the ticket reference of this call (such as INC-1234)' }],
    });
  }
}
