import type { VerificationStamp } from '@shared/domain/audit';
import type { TenantPolicy } from '@shared/domain/settings';

/** What enrollment needs from other domains, declared once here (the container wires them). */

/** What the service needs from settings (SettingsService fits). */
export interface EnrollmentSettings {
  get(): Promise<{ enrollmentActionCode: string }>;
  policyFor(tenantId: string): Promise<TenantPolicy>;
}

/** What the service needs from caller verification (VerificationService fits). */
export interface EnrollmentVerification {
  cover(tenantId: string, userId: string): Promise<VerificationStamp | undefined>;
  liveStamp(tenantId: string, userId: string): Promise<VerificationStamp | null>;
}
