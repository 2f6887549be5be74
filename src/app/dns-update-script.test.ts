import { describe, expect, it } from 'vitest';
import { createTombstone } from '../core/record/registration.js';
import { testKey } from '../core/test-support/agents.js';
import { updateTxtStrings } from '../faces/dns/dns-update.js';
import { nsupdateScript } from './dns-update-script.js';

const tombstone = createTombstone(testKey(1), 'agent://acme.com/billing/invoices', 11);

describe('nsupdateScript', () => {
  it('names the zone and adds the document TXT at the agent node, then sends; the server line when asked', () => {
    const strings = updateTxtStrings('tombstone', tombstone).map((text) => `"${text}"`).join(' ');
    expect(nsupdateScript('agent://acme.com/billing/invoices', 'tombstone', tombstone).split('\n').slice(1)).toEqual([
      'zone _agents.acme.com',
      `update add invoices.billing._agents.acme.com 0 TXT ${strings}`,
      'send',
      '',
    ]);
    expect(nsupdateScript('agent://acme.com/billing/invoices', 'tombstone', tombstone, '127.0.0.1:5353')).toMatch(/^; tombstone of agent:\/\/acme\.com\/billing\/invoices: .*\nserver 127\.0\.0\.1 5353\nzone /);
    expect(nsupdateScript('agent://acme.com/billing/invoices', 'tombstone', tombstone, '[::1]:53')).toContain('\nserver ::1 53\n');
    expect(nsupdateScript('agent://acme.com/billing/invoices', 'tombstone', tombstone, 'ns1.acme.com')).toContain('\nserver ns1.acme.com\n');
  });

  it('refuses a server it cannot write as nsupdate takes it, and a bad name, with their codes', () => {
    for (const server of ['127.0.0.1:70000', '::1:53', 'ns1 acme.com', '[::1']) {
      expect(() => nsupdateScript('agent://acme.com/billing/invoices', 'tombstone', tombstone, server), server).toThrow(/--server takes HOST, HOST:PORT or \[IPv6\]:PORT/);
    }
    expect(() => nsupdateScript('agent://acme.com', 'tombstone', tombstone)).toThrow(expect.objectContaining({ code: 'NAME_MISSING_PATH' }));
  });
});
