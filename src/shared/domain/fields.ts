import { z } from 'zod';

/**
 * Field schemas many shapes share, so each is written, and documented, once.
 */

/**
 * An instant as ISO-8601 text (`2025-01-31T09:30:00.000Z`), as main writes it and as Authsignal
 * sends it. For what main hands out: kept as plain text, not re-validated, so a timestamp that
 * Authsignal formats another way still shows. Inputs that filter by time use `z.iso.datetime()`.
 */
export const IsoTimestamp = z.string();
