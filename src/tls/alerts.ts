/** Alert descriptions (RFC 8446 §6, RFC 5246 §7.2), by the names the RFCs give them. */
const NAMES: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 21: 'decryption_failed', 22: 'record_overflow',
  30: 'decompression_failure', 40: 'handshake_failure', 41: 'no_certificate', 42: 'bad_certificate',
  43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired', 46: 'certificate_unknown',
  47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error', 51: 'decrypt_error',
  60: 'export_restriction', 70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error',
  86: 'inappropriate_fallback', 90: 'user_canceled', 100: 'no_renegotiation', 109: 'missing_extension',
  110: 'unsupported_extension', 111: 'certificate_unobtainable', 112: 'unrecognized_name',
  113: 'bad_certificate_status_response', 114: 'bad_certificate_hash_value', 115: 'unknown_psk_identity',
  116: 'certificate_required', 120: 'no_application_protocol',
};

export const ALERT_CLOSE_NOTIFY = 0;

export function alertName(description: number): string {
  return NAMES[description] ?? `alert ${description}`;
}

/** What an alert sent by `sender` during the handshake most likely means, for the explanation. */
export function alertAdvice(description: number, sender: 'client' | 'server'): string {
  switch (description) {
    case 42: case 43: case 44: case 45: case 46: case 48:
      return sender === 'client'
        ? "the client rejected the broker's certificate: give the client the CA that signed it (and check the host name it is issued for, and its dates)"
        : "the broker rejected the client's certificate: check the client certificate and the broker's ssl_options.cacertfile";
    case 116:
      return 'the broker requires a client certificate (ssl_options.fail_if_no_peer_cert) and the client sent none';
    case 112:
      return 'the server does not know the name the client asked for (SNI)';
    case 70: case 71:
      return 'client and broker have no TLS version in common: compare ssl_options.versions with what the client allows';
    case 40:
      return 'client and broker could not agree on a cipher suite or parameters: compare ssl_options.ciphers with the client\'s';
    case 120:
      return 'no application protocol (ALPN) in common';
    default:
      return `${sender === 'client' ? 'the client' : 'the broker'} aborted the TLS handshake`;
  }
}
