import { parseRecipientAddress } from './recipient-address.js';
import { normalizeEmail } from '../common/email.js';

describe('parseRecipientAddress', () => {
  it('normalizes like a directory contact address', () => {
    for (const raw of [
      'SOC@Contoso.COM',
      '  soc@contoso.com ',
      'soc@bücher.example',
      'first.last+sec@labs.contoso.co.uk',
    ])
      expect(parseRecipientAddress(raw)).toEqual({ address: normalizeEmail(raw)!.address });
    expect(parseRecipientAddress('soc@bücher.example')).toEqual({ address: 'soc@xn--bcher-kva.example' });
  });

  it('refuses header and HTML injection, lists, display names and what is no address', () => {
    for (const raw of [
      'soc@contoso.com\r\nBcc: all@evil.example',
      'soc@contoso.com\nSubject: hi',
      'soc@contoso.com%0d%0aBcc:x@evil.example',
      '<script>alert(1)</script>@contoso.com',
      '"><img src=x onerror=alert(1)>@contoso.com',
      'SOC <soc@contoso.com>',
      '"soc"@contoso.com',
      'soc@contoso.com, boss@contoso.com',
      'soc@contoso.com;boss@contoso.com',
      "o'neil@contoso.com",
      'a&b@contoso.com',
      'mailto:soc@contoso.com',
      'soc@@contoso.com',
      'soc@contoso',
      'soc@-contoso.com',
      '.soc@contoso.com',
      'so..c@contoso.com',
      'soc\u200b@contoso.com',
      '',
      'x'.repeat(250) + '@contoso.com',
    ])
      expect({ raw, r: 'reason' in parseRecipientAddress(raw) }).toEqual({ raw, r: true });
    expect(parseRecipientAddress(42)).toEqual({ reason: 'address must be a string' });
    expect(parseRecipientAddress(null)).toEqual({ reason: 'address must be a string' });
  });
});
