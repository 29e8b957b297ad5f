/** The report of `pop3kit info` in words, like mpop's --serverinfo. */
import { describeCapability } from './capabilities.js';
import type { InfoReport } from './report.js';

function daysUntil(iso: string): string {
  const days = Math.floor((Date.parse(iso) - Date.now()) / 86_400_000);
  return days < 0 ? `EXPIRED ${-days} days ago` : `expires in ${days} days`;
}

export function formatReport(report: InfoReport): string {
  const lines: string[] = [`POP3 server ${report.host} port ${report.port}`];
  const field = (label: string, value: string) => lines.push(`  ${`${label}:`.padEnd(13)}${value}`);
  if (report.greeting !== null) field('Greeting', report.greeting);
  const tlsInfo = report.tls;
  const how = tlsInfo ? ` (${tlsInfo.protocol ?? 'TLS'}, ${tlsInfo.cipher})` : '';
  if (report.security === 'implicit TLS') field('Security', `implicit TLS${how}`);
  else if (report.security === 'STLS') field('Security', `STLS, upgraded to TLS${how}`);
  else if (report.greeting !== null)
    field(
      'Security',
      report.stlsOffered ? 'none: STLS offered but not used (--starttls never)' : 'none: no STLS offered',
    );
  if (tlsInfo?.certificate) {
    const cert = tlsInfo.certificate;
    lines.push('', `TLS certificate (${tlsInfo.trusted ? 'trusted, name matches' : tlsInfo.problem}):`);
    field('Subject', cert.subject);
    field('Issuer', cert.issuer);
    field('Valid', `${cert.validFrom} to ${cert.validTo} (${daysUntil(cert.validTo)})`);
    if (cert.subjectAltName) field('Names', cert.subjectAltName);
    field('SHA-256', cert.fingerprint256);
    field('Serial', cert.serialNumber);
  }
  for (const { stage, capabilities } of report.stages) {
    lines.push('', `Capabilities ${stage}:`);
    if (capabilities === null) {
      lines.push('  (CAPA not supported)');
      continue;
    }
    const names = Object.keys(capabilities);
    const width = Math.max(...names.map((n) => n.length), 4) + 2;
    for (const name of names)
      lines.push(`  ${name.padEnd(width)}${describeCapability(name, capabilities[name]!)}`);
  }
  if (report.greeting !== null)
    lines.push(
      '',
      `Login mechanisms: ${report.mechanisms.length > 0 ? report.mechanisms.join(', ') : 'none offered'}`,
    );
  if (report.login?.ok) lines.push(`Logged in as ${report.login.user}.`);
  return `${lines.join('\n')}\n`;
}
