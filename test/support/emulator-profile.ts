import { profileFromEnv, type EmulatorProfile } from '../../src/emulator/profile';

/**
 * The emulator profile this test run uses. `npm test` runs the integration suite and the
 * enrollment/verification journeys once per profile, setting `AUTHDESK_EMULATOR_PROFILE` for the
 * strict pass; every emulator a test starts picks it up unless the test names a profile itself.
 */
export const TEST_PROFILE: EmulatorProfile = profileFromEnv(process.env);

/** True when this run is the strict pass. */
export const STRICT = TEST_PROFILE === 'strict';

/** Picks the expectation of the profile this run uses. */
export function perProfile<T>(expected: { default: T; strict: T }): T {
  return expected[TEST_PROFILE];
}
