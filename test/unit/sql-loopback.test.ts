import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../src/core/sql/loopback';

describe('sql/loopback: isLoopbackHost', () => {
  const loopback = [
    'localhost',
    'LOCALHOST',
    'localhost.',
    'app.localhost',
    '127.0.0.1',
    '127.1.2.3',
    '127.255.255.255',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::0:1',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    '::ffff:7f00:1',
  ];
  const notLoopback = [
    '',
    '0.0.0.0',
    '128.0.0.1',
    '126.255.255.255',
    '10.0.0.1',
    '192.168.1.1',
    '127.0.0.256',
    '127.0.0',
    '127.0.0.1.example.com',
    '127.example.com',
    'mylocalhost',
    'localhost.example.com',
    '::',
    '::2',
    '1::1',
    '::ffff:10.0.0.1',
    '::1:0:0:1',
    'ep-cool-darkness-123456.us-east-2.aws.neon.tech',
    '/var/run/postgresql',
    '[::1',
  ];
  for (const host of loopback) it(`${JSON.stringify(host)} is loopback`, () => assert.equal(isLoopbackHost(host), true));
  for (const host of notLoopback) it(`${JSON.stringify(host)} is not loopback`, () => assert.equal(isLoopbackHost(host), false));
});
