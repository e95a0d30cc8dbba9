import fc from 'fast-check';
import { OPERATION_ID_NAMESPACE, deterministicOperationId, isUuid, uuidV5 } from './mail-transport.js';

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV5', () => {
  it('matches the RFC 4122 name-based algorithm (known vectors)', () => {
    // DNS namespace, "www.example.com": the value every v5 implementation gives
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    // our namespace, computed independently with Python's uuid.uuid5
    expect(uuidV5('["c1","k1"]', OPERATION_ID_NAMESPACE)).toBe('c181696e-d005-5f0e-b281-b28819ffefcb');
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(/namespace/);
  });
});

describe('deterministicOperationId', () => {
  it('is the same UUID for the same parts, every time', () => {
    const a = deterministicOperationId('campaign-1', 'contact-9');
    expect(a).toBe(deterministicOperationId('campaign-1', 'contact-9'));
    expect(a).toBe(uuidV5('["campaign-1","contact-9"]', OPERATION_ID_NAMESPACE));
    expect(a).toMatch(V5);
    expect(isUuid(a)).toBe(true);
  });

  it('differs when the parts differ, including where one part ends and the next begins', () => {
    const ids = new Set([
      deterministicOperationId('c1', 'k1'),
      deterministicOperationId('c1', 'k2'),
      deterministicOperationId('c2', 'k1'),
      deterministicOperationId('c1:k1'),
      deterministicOperationId('c1', ':k1'),
      deterministicOperationId('c', '1k1'),
      deterministicOperationId('k1', 'c1'),
    ]);
    expect(ids.size).toBe(7);
  });

  it('is a version 5, RFC 4122 variant UUID for any parts', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (parts) => {
        const id = deterministicOperationId(...parts);
        return V5.test(id) && id === deterministicOperationId(...parts);
      }),
    );
  });

  it('needs at least one part', () => {
    expect(() => deterministicOperationId()).toThrow(/at least one/);
  });
});
