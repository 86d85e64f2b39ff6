import type { CheckStatus, ReadinessReport } from '@shared/domain/readiness';

/** A status as a fixed-width tag, so the report lines up in a terminal and greps cleanly. */
function tag(status: CheckStatus): string {
  return `[${status}]`.padEnd(10);
}

/** The human form of `authdesk tenant doctor` (the JSON form is the report itself). */
export function formatReadiness(report: ReadinessReport): string {
  const t = report.tenant;
  const lines: string[] = [
    `Readiness of "${t.name}" (${t.kind === 'local' ? 'local tenant, ' : ''}${t.host}, tenant id ${t.tenantId}): ${report.status.toUpperCase()}`,
    '',
    `${tag(report.connection.status)}Connection: ${report.connection.message}`,
    `${tag(report.authenticators.status)}Authenticators: ${report.authenticators.message}`,
    `${tag(report.actions.status)}Actions: ${report.actions.message}`,
  ];
  for (const probe of report.actions.probes) {
    lines.push(`            ${probe.status === 'ok' ? 'ok  ' : 'FAIL'} "${probe.actionCode}" (${probe.purpose}): expected ${probe.expected}, got ${probe.observed ?? 'no answer'}`);
  }
  lines.push('', 'Features:');
  const width = Math.max(...report.features.map((f) => f.label.length));
  for (const f of report.features) {
    lines.push(`  ${f.ready ? 'ready    ' : 'missing  '}${f.label.padEnd(width)}  ${f.ready ? f.enabledBy.join(', ') : '-'}`);
  }
  if (report.advice.length > 0) {
    lines.push('', 'To configure in the Authsignal portal:');
    for (const a of report.advice) lines.push(`  - ${a}`);
  }
  return `${lines.join('\n')}\n`;
}
