import { z } from 'zod';
import { channel } from '../contract';
import { channelWithoutInput } from './no-input';
import {
  ApiUrl,
  ClientTenantId,
  ConnectionTest,
  Region,
  TenantName,
  TenantSecret,
  TenantSummary,
} from '../../domain/tenant';
import { ReadinessReport } from '../../domain/readiness';

const ProfileId = z.string().trim().min(1, 'Pick a tenant').max(100);

export const TenantList = z.object({ tenants: z.array(TenantSummary), activeId: z.string().nullable() });
export type TenantList = z.infer<typeof TenantList>;

/** Add input: a region or a custom API URL, never both. */
export const TenantAddInput = z
  .object({
    name: TenantName,
    region: Region.optional(),
    apiUrl: ApiUrl.optional(),
    tenantId: ClientTenantId,
    secret: TenantSecret,
    /** Test the connection first and save only if it works (default true). */
    testFirst: z.boolean().default(true),
    makeActive: z.boolean().default(true),
  })
  .strict()
  .refine((v) => (v.region === undefined) !== (v.apiUrl === undefined), {
    message: 'Choose a region or enter a custom API URL (one of the two)',
    path: ['region'],
  });
export type TenantAddInput = z.input<typeof TenantAddInput>;

/** Test either a saved profile or candidate credentials before saving them. */
export const TenantTestInput = z.union([
  z.object({ id: ProfileId }).strict(),
  z
    .object({ region: Region.optional(), apiUrl: ApiUrl.optional(), secret: TenantSecret })
    .strict()
    .refine((v) => (v.region === undefined) !== (v.apiUrl === undefined), {
      message: 'Choose a region or enter a custom API URL (one of the two)',
      path: ['region'],
    }),
]);
export type TenantTestInput = z.input<typeof TenantTestInput>;

export const tenantChannels = {
  'tenants:list': channelWithoutInput('All tenant profiles and which one is active', TenantList),
  'tenants:add': channel({
    summary: 'Add a tenant profile; the secret goes straight to the OS keychain',
    input: TenantAddInput,
    output: TenantSummary,
  }),
  'tenants:rename': channel({
    summary: 'Rename a tenant profile',
    input: z.object({ id: ProfileId, name: TenantName }).strict(),
    output: TenantSummary,
  }),
  'tenants:set-active': channel({
    summary: 'Make a tenant the one the console works on',
    input: z.object({ id: ProfileId }).strict(),
    output: TenantList,
  }),
  'tenants:rotate-secret': channel({
    summary: 'Replace the Server API secret of a tenant',
    input: z.object({ id: ProfileId, secret: TenantSecret, testFirst: z.boolean().default(true) }).strict(),
    output: TenantSummary,
  }),
  'tenants:test': channel({
    summary: 'Make a cheap authenticated Server API call',
    input: TenantTestInput,
    output: ConnectionTest,
  }),
  'tenants:check-readiness': channel({
    summary: "Check a tenant is ready for Authdesk: credentials, configured authenticators and (only when asked) the tracked actions",
    input: z
      .object({
        id: ProfileId,
        /** Track the actions Authdesk uses on a probe user (writes to the tenant; off unless asked). */
        probeActions: z.boolean().default(false),
      })
      .strict(),
    output: ReadinessReport,
  }),
  'tenants:remove': channel({
    summary: 'Remove a tenant profile and its keychain entry',
    input: z.object({ id: ProfileId }).strict(),
    output: TenantList,
  }),
};

export const tenantEvents = {
  'tenants:list-changed': TenantList,
};
