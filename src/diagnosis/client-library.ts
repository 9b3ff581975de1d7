/**
 * Which client library a connection used, from Connection.Start-Ok's client-properties, and what fixes a stalled
 * heartbeat in that library (../shared/docs/failure-modes.md F1, F2, F6 and the client table in §1.2).
 */
import type { FieldTable, FieldValue } from '../amqp/types.js';

export type LibraryFamily = 'pika' | 'py-amqp' | 'amqplib' | 'bunny' | 'java' | 'dotnet' | 'go' | 'php-amqplib' | 'other';

export interface ClientLibrary {
  family: LibraryFamily;
  /** e.g. "Pika Python Client Library 1.2.0", or null when Start-Ok was not captured. */
  label: string | null;
  product: string | null;
  version: string | null;
}

function s(v: FieldValue | undefined): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function identifyClient(props: FieldTable | null): ClientLibrary {
  const product = props ? s(props['product']) : null;
  // py-amqp (kombu, Celery, oslo.messaging) sends its version as product_version, not version.
  const version = props ? (s(props['version']) ?? s(props['product_version'])) : null;
  const platform = props ? s(props['platform']) : null;
  const p = `${product ?? ''} ${platform ?? ''}`.toLowerCase();
  let family: LibraryFamily = 'other';
  // php-amqplib's product is "AMQPLib" and its platform "PHP" (AbstractConnection::$LIBRARY_PROPERTIES): PHP is
  // recognised before Node's amqplib (product "amqplib", platform "Node.JS vX"), whose name it contains.
  if (p.includes('pika')) family = 'pika';
  else if (p.includes('py-amqp') || p.includes('amqp python') || p.includes('kombu') || p.includes('celery')) family = 'py-amqp';
  else if (p.includes('php')) family = 'php-amqplib';
  else if (p.includes('amqplib') || p.includes('node.js')) family = 'amqplib';
  else if (p.includes('bunny') || p.includes('ruby')) family = 'bunny';
  else if (p.includes('.net') || p.includes('dotnet')) family = 'dotnet';
  else if (p.includes('java')) family = 'java';
  else if (p.includes('amqp091-go') || p.includes('golang') || p.includes(' go ')) family = 'go';
  const label = product !== null ? `${product}${version !== null ? ` ${version}` : ''}` : null;
  return { family, label, product, version };
}

/** What to change in the client when its application stopped sending (a stalled I/O loop). */
export function stalledClientFix(lib: ClientLibrary, t: number | null): string {
  const every = t !== null && t > 0 ? ` (at least every ${formatSeconds(t / 2)})` : '';
  switch (lib.family) {
    case 'pika':
      return `pika's BlockingConnection only sends heartbeats inside pika calls: run long work in another thread and ack with connection.add_callback_threadsafe(), or call connection.process_data_events() during the work${every}`;
    case 'py-amqp':
      return `py-amqp/kombu send heartbeats only when the application calls connection.heartbeat_check()${every}; call it from the consumer loop (Celery: avoid the solo pool for long tasks; OpenStack: heartbeat_in_pthread for WSGI services)`;
    case 'amqplib':
      return `amqplib runs on Node's event loop, so CPU-bound handlers block its heartbeats: move the work to worker_threads or a child process, or lower the prefetch`;
    case 'php-amqplib':
      return `php-amqplib sends heartbeats only inside wait()/I/O calls: use the PCNTL heartbeat sender or shorter units of work`;
    default:
      return `the client's I/O loop did not run: move long work off the thread that owns the connection, or raise the heartbeat above the longest task`;
  }
}

export function formatSeconds(v: number): string {
  if (!Number.isFinite(v)) return '?';
  if (v >= 100) return `${Math.round(v)} s`;
  return `${v.toFixed(1)} s`;
}
