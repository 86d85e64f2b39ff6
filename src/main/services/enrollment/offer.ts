import type { VerificationStamp } from '@shared/domain/audit';
import type { EnrollmentModeAvailability, EnrollmentOptions, GuidedMethodOption } from '@shared/domain/enrollment';

/** What decides which ways to enroll are open (see {@link enrollmentModes}). */
export interface OfferFacts {
  /** Enrollment windows can open here (the desktop app or the harness; not the CLI). */
  windows: boolean;
  /** The user has at least one authenticator. */
  enrolled: boolean;
  /** The live verification of the caller, if any. */
  stamp: VerificationStamp | null;
  /** The policy requires a verified caller before enrolling. */
  required: boolean;
  /** The guided page's methods as the tenant's configuration allows them. */
  methods: readonly GuidedMethodOption[];
}

/** Which ways to enroll this user are open now, and why a closed one is closed. */
export function enrollmentModes(f: OfferFacts): EnrollmentOptions['modes'] {
  const verifyFirst: EnrollmentModeAvailability | null =
    f.required && !f.stamp ? { available: false, reason: 'Verify the caller first: this tenant requires it before enrolling.' } : null;
  const windows: EnrollmentModeAvailability = f.windows
    ? { available: true }
    : { available: false, reason: 'Enrollment windows need the Authdesk desktop app. Send the user a link instead.' };
  const guided: EnrollmentModeAvailability =
    f.enrolled && !f.stamp
      ? {
          available: false,
          reason:
            'The guided page needs a token that may add authenticators, which Authdesk issues only for a verified caller. Verify the caller, or use the pre-built UI, where the user passes a challenge first.',
        }
      : f.methods.some((m) => m.available)
        ? windows
        : { available: false, reason: 'None of the guided page’s methods is configured for this tenant — enable one in the Authsignal portal, or use the pre-built UI.' };
  return {
    'prebuilt-window': verifyFirst ?? windows,
    'guided-window': verifyFirst ?? guided,
    link: verifyFirst ?? { available: true },
  };
}
