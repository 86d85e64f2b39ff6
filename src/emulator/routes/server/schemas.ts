import { z } from 'zod';
import { E164_PATTERN } from '../../validate';

/** Field schemas the Server API's route modules share. */
export const Email = z.string().trim().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
export const Phone = z.string().trim().regex(E164_PATTERN, 'must be E.164, e.g. +14155550123');
export const Custom = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
