/** tls-not-decrypted: keys were given, but this connection's records could not be decrypted with them. */
import type { Finding, FindingRule } from '../types.js';

export const tlsFindings: FindingRule = (ctx) => {
  const tls = ctx.facts.tls;
  const out: Finding[] = [];
  // A failed TLS handshake has no application data to decrypt: missing keys are no news there.
  if (tls === null || tls.keyProblem === null || tls.handshakeDone === null) return out;
  out.push({
    code: 'tls-not-decrypted',
    severity: 'warning',
    at: tls.keyProblemAt ?? tls.handshakeDone,
    message: `TLS session keys were given, but this connection could not be decrypted: ${tls.keyProblem}. It is analysed from its TLS records instead (sizes and times; verdicts marked inferred).`,
    evidence: {},
  });
  return out;
};
