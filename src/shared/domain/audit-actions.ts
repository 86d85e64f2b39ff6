// No zod here: the renderer imports this list for its filters without pulling in the schemas.

/**
 * Every action the console records today. Writers must use one of these (the compiler catches a
 * typo); readers accept any `domain.verb` name so a log written by a newer Authdesk still reads.
 * To add one, append it here: the format does not change.
 */
export const AUDIT_ACTIONS = [
  'user.lookup',
  'user.search',
  'authenticator.remove',
  'authenticators.remove-all',
  'sessions.revoke',
  'verification.start',
  'verification.succeed',
  'verification.fail',
  'verification.offline',
  'verification.expire',
  'enrollment.launch',
  'enrollment.complete',
  'enrollment.cancel',
  'enrollment.fail',
  'enrollment.link-create',
  'coverage.run',
  'coverage.export',
  'evidence.export',
  'tenant.add',
  'tenant.remove',
  'tenant.rename',
  'tenant.rotate',
  'tenant.switch',
  'tenant.probe',
  'settings.update',
  'log.recovered',
  // Browser integration (issue #18): every trust decision about a browser, with its key id.
  'browser.integration-on',
  'browser.integration-off',
  'browser.pairing-request',
  'browser.pairing-approve',
  'browser.pairing-decline',
  'browser.revoke',
  'policy.forbidden',
  'settings.external-change',
  'settings.external-confirm',
  // Team mode (issue #11): this computer starts or stops shipping its log to the team store.
  'team.connect',
  'team.disconnect',
] as const;

/** An action a writer may record. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The `domain` parts of the known actions (`verification` for `verification.start`…), in list order. */
export const AUDIT_ACTION_DOMAINS: readonly string[] = [...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]))];
