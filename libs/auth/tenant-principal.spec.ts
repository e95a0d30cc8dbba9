import { effectiveRoles, isDataPrivacyNotice, mayReadDataPrivacy, mayReadNotice } from './tenant-principal.js';

describe('who may read a notice', () => {
  const privacy = ['Data privacy', 'Admin impact'];
  it.each([
    [['GlobalAdmin'], true],
    [['PrivacyReader'], true],
    [['MessageCenterReader', 'PrivacyReader'], true],
    [['MessageCenterReader'], false],
    [['BillingAdmin'], false],
    [['globaladmin'], false],
    [[], false],
  ])('roles %j read a data-privacy notice: %s', (roles, expected) => {
    expect(mayReadDataPrivacy(roles)).toBe(expected);
    expect(mayReadNotice(roles, privacy)).toBe(expected);
    expect(mayReadNotice(roles, ['Admin impact'])).toBe(true);
  });

  it('recognizes the tag in any case, so a variant spelling hides rather than shows', () => {
    expect(isDataPrivacyNotice(['DATA PRIVACY'])).toBe(true);
    expect(mayReadNotice(['MessageCenterReader'], ['data privacy'])).toBe(false);
    expect(isDataPrivacyNotice(['Privacy'])).toBe(false);
  });
});

describe('the roles a reader acts with', () => {
  it.each([
    [['GlobalAdmin'], ['MessageCenterReader'], false, ['MessageCenterReader']],
    [['MessageCenterReader'], ['GlobalAdmin', 'GlobalAdmin'], false, ['GlobalAdmin']],
    [['PrivacyReader'], null, false, ['PrivacyReader']],
    [['GlobalAdmin'], null, true, []],
    [['GlobalAdmin'], [], false, []],
  ] as const)(
    'token roles %j, directory %j, development issuer %s: acts with %j',
    (token, directory, dev, expected) => {
      expect(effectiveRoles(token, directory, dev)).toEqual(expected);
    },
  );
});
