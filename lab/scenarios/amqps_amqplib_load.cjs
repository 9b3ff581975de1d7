// Load over AMQPS (127.0.0.1:5671, TLS 1.3 unless TLS_MAX=TLSv1.2): N amqplib publisher/consumer connection pairs
// exchange small messages with publisher confirms and consumer acks, for a decryption benchmark. Session keys: run
// node with --tls-keylog=FILE. Usage: node --tls-keylog=KEYS amqps_amqplib_load.cjs [pairs=4] [perPair=5000] [size=200]
const fs = require('fs');
const amqp = require(process.env.LAB_NODE + '/node_modules/amqplib');
const pairs = Number(process.argv[2] || 4), perPair = Number(process.argv[3] || 5000), size = Number(process.argv[4] || 200);
const url = 'amqps://guest:guest@127.0.0.1:5671?heartbeat=10';
const tls = { ca: [fs.readFileSync((process.env.LAB_DIR || '/tmp/amqp-lab') + '/tls/ca.pem')], servername: 'localhost',
              maxVersion: process.env.TLS_MAX || 'TLSv1.3' };
async function pair(i) {
  const c = await amqp.connect(url, { ...tls, clientProperties: { connection_name: `amqps-load-consumer-${i}` } });
  const p = await amqp.connect(url, { ...tls, clientProperties: { connection_name: `amqps-load-publisher-${i}` } });
  const cch = await c.createChannel(); const q = `amqps-load.${i}`;
  await cch.assertQueue(q, { autoDelete: true }); await cch.prefetch(100);
  let got = 0; let done;
  const finished = new Promise(r => (done = r));
  await cch.consume(q, m => { cch.ack(m); if (++got === perPair) done(); });
  const pch = await p.createConfirmChannel();
  const body = Buffer.alloc(size, 'x');
  for (let n = 0; n < perPair; n++) {
    if (!pch.sendToQueue(q, body, { headers: { seq: n }, messageId: `${i}-${n}` })) await new Promise(r => pch.once('drain', r));
    if (n % 1000 === 999) await pch.waitForConfirms();
  }
  await pch.waitForConfirms();
  await finished; await p.close(); await c.close();
}
Promise.all(Array.from({ length: pairs }, (_, i) => pair(i))).then(() => console.log('done'));
