import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `enrollment:*` channel names. */
type EnrollmentChannel = Extract<keyof Handlers, `enrollment:${string}`>;

/** Handlers for `enrollment:*`: the service decides, tracks, validates and records. */
export function enrollmentHandlers(services: Services): Pick<Handlers, EnrollmentChannel> {
  return {
    'enrollment:options': ({ userId }) => services.enrollment.options(userId),
    'enrollment:start': ({ userId, mode, ticket }) => services.enrollment.start(userId, mode, ticket),
    'enrollment:check': ({ enrollmentId }) => services.enrollment.check(enrollmentId),
    'enrollment:cancel': ({ enrollmentId }) => services.enrollment.cancel(enrollmentId),
  };
}
