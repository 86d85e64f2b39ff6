import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `verification:*` channel names. */
type VerificationChannel = Extract<keyof Handlers, `verification:${string}`>;

/** Handlers for `verification:*`: the service checks the caller and records every step. */
export function verificationHandlers(services: Services): Pick<Handlers, VerificationChannel> {
  return {
    'verification:options': ({ userId }) => services.verification.options(userId),
    'verification:start': (input) => services.verification.start(input),
    'verification:submit-code': (input) => services.verification.submitCode(input),
    'verification:check': ({ verificationId }) => services.verification.check(verificationId),
    'verification:record-offline': (input) => services.verification.recordOffline(input),
    'verification:cancel': ({ verificationId }) => services.verification.cancel(verificationId),
  };
}
