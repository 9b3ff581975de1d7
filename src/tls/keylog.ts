/**
 * NSS key log files ("SSLKEYLOGFILE" format, as written by OpenSSL, Python's ssl keylog_filename, Node's 'keylog'
 * event, NSS and browsers): one `LABEL <client_random hex> <secret hex>` per line, `#` comments.
 *
 * Only the labels needed to decrypt TLS 1.2 and 1.3 traffic are kept. Secrets never leave this module except
 * into the key schedule: nothing here is printed, and the parse result reports only counts.
 */

export const KEYLOG_LABELS = [
  'CLIENT_RANDOM',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
] as const;
export type KeyLogLabel = (typeof KEYLOG_LABELS)[number];

/** Labels that are valid in the format but of no use to us (early data, exporters). */
const OTHER_LABELS = new Set(['CLIENT_EARLY_TRAFFIC_SECRET', 'EARLY_EXPORTER_SECRET', 'EXPORTER_SECRET', 'RSA']);

const WANTED = new Set<string>(KEYLOG_LABELS);

export class KeyLog {
  private readonly byRandom = new Map<string, Map<KeyLogLabel, Uint8Array>>();
  /** Lines read as secrets we use, and lines that are neither that, comments, blank, nor known other labels. */
  entries = 0;
  malformedLines = 0;
  /**
   * Set for a key log that is still being written (--follow: a client logs a session's secrets while it connects):
   * reads what was added to the file since, and returns whether anything was. Called when a lookup misses.
   */
  grow: (() => boolean) | null = null;
  /**
   * Sessions kept at most (the oldest logged go first): a key log followed for days holds every session of every
   * program that writes to it, most of them never in the capture. Unbounded for a finished file.
   */
  maxSessions = Infinity;

  /** Adds the lines of a key log file (text or bytes). */
  add(text: string | Uint8Array): void {
    const s = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('latin1');
    // A byte-order mark (a key log saved by a Windows editor) would hide the first line's label (review 37).
    const body = s.startsWith('\u00ef\u00bb\u00bf') ? s.slice(3) : s.startsWith('\ufeff') ? s.slice(1) : s;
    for (const raw of body.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(/\s+/);
      const label = parts[0] as string;
      if (parts.length !== 3) {
        this.malformedLines++;
        continue;
      }
      if (!WANTED.has(label)) {
        if (!OTHER_LABELS.has(label)) this.malformedLines++;
        continue;
      }
      const random = (parts[1] as string).toLowerCase();
      const secret = parts[2] as string;
      // 32-byte client random; secrets of 32 or 48 bytes (SHA-256/384 traffic secrets, the 48-byte master secret).
      if (!/^[0-9a-f]{64}$/.test(random) || !/^[0-9a-fA-F]+$/.test(secret) || (secret.length !== 64 && secret.length !== 96)) {
        this.malformedLines++;
        continue;
      }
      let m = this.byRandom.get(random);
      if (m === undefined) {
        this.byRandom.set(random, (m = new Map()));
        if (this.byRandom.size > this.maxSessions) this.byRandom.delete(this.byRandom.keys().next().value as string);
      }
      m.set(label as KeyLogLabel, Uint8Array.from(Buffer.from(secret, 'hex')));
      this.entries++;
    }
  }

  /** The secret logged under `label` for the connection whose ClientHello carried `clientRandom`. */
  secret(label: KeyLogLabel, clientRandom: Uint8Array): Uint8Array | null {
    return this.byRandom.get(hex(clientRandom))?.get(label) ?? null;
  }

  /** A session's secrets were taken (its decrypters are built): a key log still being written forgets them. */
  used(clientRandom: Uint8Array): void {
    if (this.grow !== null) this.byRandom.delete(hex(clientRandom));
  }

  /** Connections (client randoms) with at least one secret. */
  get connections(): number {
    return this.byRandom.size;
  }

  /** Never the secrets: a key log printed or serialised by accident shows counts only. */
  toJSON(): { entries: number; connections: number; malformedLines: number } {
    return { entries: this.entries, connections: this.connections, malformedLines: this.malformedLines };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KeyLog { entries: ${this.entries}, connections: ${this.connections} }`;
  }
}

export function parseKeyLog(text: string | Uint8Array): KeyLog {
  const k = new KeyLog();
  k.add(text);
  return k;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
