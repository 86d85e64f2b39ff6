import { z } from 'zod';
import { IsoTimestamp } from './fields';
import { ErrorCode } from '../errors';

/** Authsignal's hosted regions. */
export const REGIONS = ['us', 'au', 'eu', 'ca', 'uk'] as const;
export const Region = z.enum(REGIONS);
export type Region = z.infer<typeof Region>;

/** Server API base URL (with `/v1`) of each hosted region. */
export const REGION_API_URLS: Readonly<Record<Region, string>> = {
  us: 'https://api.authsignal.com/v1',
  au: 'https://au.api.authsignal.com/v1',
  eu: 'https://eu.api.authsignal.com/v1',
  ca: 'https://ca.api.authsignal.com/v1',
  uk: 'https://uk.api.authsignal.com/v1',
};

/** Id of the built-in local tenant (the embedded emulator). */
export const LOCAL_TENANT_ID = 'local';

/** A custom Server API URL: http(s), ends with /v1, no credentials or query. */
export const ApiUrl = z
  .string()
  .trim()
  // abort: the refinements below parse the URL, which throws on anything that failed this check.
  .url({ message: 'Enter a full URL such as https://api.authsignal.com/v1', abort: true })
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'The API URL must start with https:// or http://')
  .refine((u) => new URL(u).username === '' && new URL(u).password === '', 'The API URL must not contain credentials')
  .refine((u) => new URL(u).search === '' && new URL(u).hash === '', 'The API URL must not have a query or fragment')
  .refine((u) => /\/v1\/?$/.test(new URL(u).pathname), 'The API URL must end with /v1');

/** What anyone outside main may know about a tenant profile. Never the secret itself. */
export const TenantSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['local', 'remote']),
  region: Region.optional(),
  apiUrl: z.string(),
  tenantId: z.string(),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  active: z.boolean(),
  hasSecret: z.boolean(),
  /** First 8 hex chars of SHA-256 of the secret: lets a person tell two secrets apart. */
  secretFingerprint: z.string().optional(),
});
export type TenantSummary = z.infer<typeof TenantSummary>;

/** A profile name as typed by a person. */
export const TenantName = z.string().trim().min(1, 'Give the tenant a name').max(80, 'Use at most 80 characters');

/** A tenant id for the client SDK. */
export const ClientTenantId = z
  .string()
  .trim()
  .min(1, 'Enter the tenant id shown in the Authsignal portal')
  .max(200)
  .regex(/^[A-Za-z0-9._:-]+$/, 'A tenant id has only letters, digits, dots, colons, dashes and underscores');

/** A Server API secret as pasted by a person (write-only: it never comes back out of main). */
export const TenantSecret = z
  .string()
  .trim()
  .min(1, 'Paste the Server API secret key')
  .max(512, 'That is too long to be an Authsignal secret key');

/** Where the Server API lives: a hosted region or a custom URL (e.g. the local tenant). */
export const TenantLocation = z.union([
  z.object({ region: Region, apiUrl: z.undefined().optional() }),
  z.object({ apiUrl: ApiUrl, region: z.undefined().optional() }),
]);
export type TenantLocation = z.infer<typeof TenantLocation>;

/** Result of a connection test. */
export const ConnectionTest = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  /** What failed, when `ok` is false (e.g. `unauthorized` for a wrong secret or region). */
  code: ErrorCode.optional(),
  message: z.string(),
});
export type ConnectionTest = z.infer<typeof ConnectionTest>;
