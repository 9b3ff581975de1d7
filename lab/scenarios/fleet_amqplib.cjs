// A fleet "service process" on Node: N amqplib 0.10 connections from one client host (socket option localAddress),
// named APP:PID:UUID, each consuming QUEUE with acks (prefetch 10), heartbeat HB. SIGTERM: close all cleanly, exit.
// Usage: node fleet_amqplib.cjs SRC APP N QUEUE [hb=6]
const amqp = require(process.env.LAB_NODE + '/node_modules/amqplib');
const { randomUUID } = require('crypto');
const [src, app, n, queue, hb] = [process.argv[2], process.argv[3], Number(process.argv[4]), process.argv[5], Number(process.argv[6] || 6)];
const conns = [];
const log = m => console.log(`${new Date().toISOString()} ${src} ${m}`);
async function open() {
  const name = `${app}:${process.pid}:${randomUUID()}`;
  const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:5672?heartbeat=${hb}`,
    { localAddress: src, clientProperties: { connection_name: name } });
  c.on('error', e => log(`${name} error ${e.message}`)); c.on('close', () => log(`${name} close event`));
  const ch = await c.createChannel(); await ch.assertQueue(queue, { durable: false }); await ch.prefetch(10);
  await ch.consume(queue, m => ch.ack(m));
  conns.push(c); log(`${name} opened ${src}:${c.connection.stream.localPort}`);
}
(async () => { for (let i = 0; i < n; i++) await open(); })().catch(e => { log(`open failed ${e.message}`); });
process.on('SIGTERM', async () => {
  for (const c of conns) { try { await c.close(); } catch (e) { log(`close failed ${e.message}`); } }
  log(`closed ${conns.length}`); process.exit(0);
});
