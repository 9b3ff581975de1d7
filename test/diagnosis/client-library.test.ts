/**
 * Which library a connection used, from real Connection.Start-Ok client-properties tables, and the fix the
 * report gives for a stalled client of that library. Four tables come from the captures in captures/ (decoded by
 * amqpscope from the wire); the others are the default tables the libraries' published source builds, copied
 * field for field (strings as they go on the wire; capabilities left out, they do not take part), with where each
 * came from.
 */
import { describe, expect, it } from 'vitest';
import type { FieldTable } from '../../src/amqp/types.js';
import { identifyClient, stalledClientFix, type LibraryFamily } from '../../src/diagnosis/client-library.js';
import { analyzeCapture } from '../helpers/captures.js';

/** Client-properties tables from the libraries' source, as sent on the wire. */
const PUBLISHED: { family: LibraryFamily; source: string; props: FieldTable }[] = [
  {
    family: 'php-amqplib',
    // php-amqplib/php-amqplib, PhpAmqpLib/Connection/AbstractConnection.php, AbstractConnection::$LIBRARY_PROPERTIES
    source: 'php-amqplib AbstractConnection::$LIBRARY_PROPERTIES',
    props: { product: 'AMQPLib', platform: 'PHP', version: '2.9', information: '', copyright: '' },
  },
  {
    family: 'java',
    // rabbitmq/rabbitmq-java-client, src/main/java/com/rabbitmq/client/impl/AMQConnection.java, defaultClientProperties()
    source: 'rabbitmq-java-client AMQConnection.defaultClientProperties()', // version: ClientVersion.VERSION, set at build time
    props: {
      product: 'RabbitMQ',
      version: '5.22.0',
      platform: 'Java',
      copyright: 'Copyright (c) 2007-2024 Broadcom Inc. and/or its subsidiaries.',
      information: 'Licensed under the MPL. See https://www.rabbitmq.com/',
    },
  },
  {
    family: 'dotnet',
    // rabbitmq/rabbitmq-dotnet-client, projects/RabbitMQ.Client/ConnectionFactory.cs, DefaultClientProperties
    source: 'rabbitmq-dotnet-client ConnectionFactory.DefaultClientProperties', // version: the assembly's, set at build time
    props: {
      product: 'RabbitMQ',
      version: '7.0.0',
      platform: '.NET',
      copyright: 'Copyright (c) 2007-2023 Broadcom.',
      information: 'Licensed under the MPL. See https://www.rabbitmq.com/',
    },
  },
  {
    family: 'go',
    // rabbitmq/amqp091-go, connection.go: NewConnectionProperties() with defaultProduct, buildVersion, platform
    source: 'amqp091-go NewConnectionProperties()',
    props: { product: 'AMQP 0.9.1 Client', version: '1.12.0', platform: 'golang' },
  },
  {
    family: 'amqplib',
    // amqp-node/amqplib, lib/connect.js, CLIENT_PROPERTIES (platform: fmt('Node.JS %s', process.version))
    source: 'amqplib lib/connect.js CLIENT_PROPERTIES',
    props: { product: 'amqplib', version: '0.10.4', platform: 'Node.JS v20.11.1', information: 'https://amqp-node.github.io/amqplib/' },
  },
];

/** Tables decoded from the Start-Ok of real connections in captures/ (see captures/README.md). */
const CAPTURED: { family: LibraryFamily; capture: string; conn: string }[] = [
  { family: 'pika', capture: 'pika-long-callback.pcap', conn: ':47712' }, // product "Pika Python Client Library"
  { family: 'py-amqp', capture: 'kombu-no-heartbeat-check.pcap', conn: ':53812' }, // kombu 5.2.4 over py-amqp: product "py-amqp"
  { family: 'amqplib', capture: 'amqplib-prefetch-survives.pcap', conn: ':47760' }, // product "amqplib", platform "Node.JS v20..."
  { family: 'bunny', capture: 'bunny-long-work.pcap', conn: ':39458' }, // product "Bunny", platform RUBY_DESCRIPTION
];

/** Words that must appear in each family's fix (and in no other family's). */
const FIX: Record<LibraryFamily, RegExp> = {
  pika: /add_callback_threadsafe/,
  'py-amqp': /heartbeat_check\(\)/,
  amqplib: /worker_threads/,
  'php-amqplib': /PCNTL heartbeat sender/,
  bunny: /I\/O loop did not run/,
  java: /I\/O loop did not run/,
  dotnet: /I\/O loop did not run/,
  go: /I\/O loop did not run/,
  other: /I\/O loop did not run/,
};

describe('client library from client-properties', () => {
  for (const { family, source, props } of PUBLISHED) {
    it(`${source} is ${family}, with its fix`, () => {
      const lib = identifyClient(props);
      expect(lib.family).toBe(family);
      expect(lib.label).toBe(`${props['product']} ${props['version']}`);
      const fix = stalledClientFix(lib, 4);
      expect(fix).toMatch(FIX[family]);
      for (const [other, words] of Object.entries(FIX)) if (words.source !== FIX[family].source) expect(fix, other).not.toMatch(words);
    });
  }

  for (const { family, capture, conn } of CAPTURED) {
    it(`${capture} ${conn} (real Start-Ok) is ${family}`, () => {
      const c = analyzeCapture(capture).report.connections.find((x) => x.id.includes(conn))!;
      expect(c.clientProperties).not.toBeNull();
      expect(identifyClient(c.clientProperties).family).toBe(family);
      expect(stalledClientFix(identifyClient(c.clientProperties), 4)).toMatch(FIX[family]);
    });
  }

  it('tells PHP users nothing about Node', () => {
    const fix = stalledClientFix(identifyClient(PUBLISHED[0]!.props), 4);
    expect(fix).not.toMatch(/Node|worker_threads|event loop/);
  });

  it("reads py-amqp's version from product_version (it sends no version): the real kombu connection is py-amqp 5.1.1", () => {
    const c = analyzeCapture('kombu-no-heartbeat-check.pcap').report.connections.find((x) => x.id.includes(':53812'))!;
    expect(c.clientProperties).toMatchObject({ product: 'py-amqp', product_version: '5.1.1' });
    expect(c.clientProperties).not.toHaveProperty('version');
    expect(identifyClient(c.clientProperties)).toMatchObject({ family: 'py-amqp', label: 'py-amqp 5.1.1', version: '5.1.1' });
    expect(c.library).toBe('py-amqp 5.1.1');
  });

  it('without Start-Ok: other, no label', () => {
    expect(identifyClient(null)).toEqual({ family: 'other', label: null, product: null, version: null });
  });
});
