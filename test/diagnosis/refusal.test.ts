/**
 * RabbitMQ's handshake refusal texts (rabbit_reader: is_over_vhost_connection_limit, is_over_user_connection_limit,
 * is_over_node_connection_limit, check_vhost_access, a vhost not found) read into a reason; the real captures'
 * texts are tested with the fleet (test/fleet/real-captures.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { refusalAdvice, refusalOf, retryMaySucceed } from '../../src/diagnosis/refusal.js';

describe('handshake refusals', () => {
  it('reads each reason, its limit, vhost and user', () => {
    expect(refusalOf(530, "NOT_ALLOWED - access to vhost '/' refused for user 'guest': connection limit (4) is reached")).toEqual({ reason: 'vhost-connection-limit', limit: 4, vhost: '/', user: 'guest' });
    expect(refusalOf(530, "NOT_ALLOWED - connection refused for user 'svc': user connection limit (10) is reached")).toEqual({ reason: 'user-connection-limit', limit: 10, vhost: null, user: 'svc' });
    // RabbitMQ 3.8's spelling.
    expect(refusalOf(530, "NOT_ALLOWED - Connection refused for user 'svc': user connection limit (10) is reached")).toEqual({ reason: 'user-connection-limit', limit: 10, vhost: null, user: 'svc' });
    expect(refusalOf(530, 'NOT_ALLOWED - connection refused: node connection limit (500) is reached')).toEqual({ reason: 'node-connection-limit', limit: 500, vhost: null, user: null });
    expect(refusalOf(530, "NOT_ALLOWED - access to vhost 'prod' refused for user 'svc'")).toEqual({ reason: 'vhost-access', limit: null, vhost: 'prod', user: 'svc' });
    expect(refusalOf(530, 'NOT_ALLOWED - vhost staging not found')).toEqual({ reason: 'vhost-not-found', limit: null, vhost: 'staging', user: null });
    expect(refusalOf(403, 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.').reason).toBe('login');
    expect(refusalOf(541, "INTERNAL_ERROR - access to vhost 'v' refused for user 'u': vhost 'v' is down").reason).toBe('other');
    expect(refusalOf(530, null).reason).toBe('other');
  });

  it('only a connection limit can let a retry in', () => {
    expect(retryMaySucceed(refusalOf(530, "NOT_ALLOWED - access to vhost '/' refused for user 'guest': connection limit (4) is reached"))).toBe(true);
    expect(retryMaySucceed(refusalOf(530, "NOT_ALLOWED - access to vhost 'prod' refused for user 'svc'"))).toBe(false);
    expect(retryMaySucceed(refusalOf(403, 'ACCESS_REFUSED - Login was refused'))).toBe(false);
    expect(refusalAdvice(refusalOf(530, 'something new'))).toBeNull();
  });

  it('takes hostile names as they are (quotes, long text) and stays fast', () => {
    const vhost = "a'b\u001b[31m";
    expect(refusalOf(530, `NOT_ALLOWED - access to vhost '${vhost}' refused for user 'u': connection limit (1) is reached`)).toMatchObject({ reason: 'vhost-connection-limit', vhost, limit: 1 });
    // Replies are at most 255 bytes on the wire; a longer text is read up to a bound, whatever its content.
    const long = `NOT_ALLOWED - access to vhost '${"'".repeat(100_000)}`;
    expect(refusalOf(530, long).reason).toBe('other');
  });
});
