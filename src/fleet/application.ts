/**
 * Which application a connection belongs to, for grouping: its connection_name without what changes from one
 * process or connection to the next (oslo.messaging names connections `<binary>:<pid>:<uuid>`, other clients add
 * counters, ports or hashes), else its client library without the version.
 */

/** A separator, then something that varies per process or connection, up to the end. */
const SEPARATORS = /[:\-_.@/# ]/;
const UUID_AT_END = /[:\-_.@/# ]?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function variesPerInstance(token: string): boolean {
  if (token === '') return true;
  if (/^\d+$/.test(token)) return true; // pid, port, counter
  if (/^[0-9a-f]{6,}$/i.test(token) && /\d/.test(token)) return true; // hash, uuid piece
  if (/^(pid|tid|conn|connection|worker|thread)?\d+$/i.test(token)) return true; // pid4711, worker3
  return false;
}

/**
 * One process of an application: the connection name without its per-connection UUID ("nova-compute:17019" of
 * "nova-compute:17019:02b8601d-..."), which tells which of several processes on one host a new connection came
 * from. Null without a name.
 */
export function instanceName(connectionName: string | null): string | null {
  return connectionName === null ? null : connectionName.trim().replace(UUID_AT_END, '');
}

export function applicationName(connectionName: string | null, library: string | null): string | null {
  if (connectionName !== null) {
    // A whole UUID first: its 4-hex-digit groups ("4cc3") alone are too short to tell from a word.
    let name = connectionName.trim().replace(UUID_AT_END, '');
    for (;;) {
      let cut = -1;
      for (let i = name.length - 1; i >= 0; i--) {
        if (SEPARATORS.test(name[i]!)) {
          cut = i;
          break;
        }
      }
      if (cut <= 0 || !variesPerInstance(name.slice(cut + 1))) break;
      name = name.slice(0, cut);
    }
    if (name !== '') return name;
  }
  if (library !== null) {
    // "Pika Python Client Library 1.2.0" -> "Pika Python Client Library"
    const lib = library.replace(/\s+v?\d+(\.\d+)*([-+.][\w.]+)?$/, '').trim();
    return lib !== '' ? lib : null;
  }
  return null;
}
