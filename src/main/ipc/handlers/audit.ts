import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `audit:*` channel names. */
type AuditChannel = Extract<keyof Handlers, `audit:${string}`>;

/**
 * Handlers for `audit:*`. The console can read and verify the log and repair a crash's torn tail;
 * nothing here can append an arbitrary entry or rewrite a complete one.
 */
export function auditHandlers(services: Services): Pick<Handlers, AuditChannel> {
  // Resolved per call, not captured: lets a container build its services lazily.
  return {
    // SECURITY: an agent reads the log with contact details masked outside a verified call (contact-rule.ts).
    'audit:list': async (query) => services.contacts.auditEntries(await services.audit.query(query)),
    'audit:verify': () => services.audit.verify(),
    'audit:status': () => services.audit.status(),
    'audit:repair': () => services.audit.repair(),
  };
}
