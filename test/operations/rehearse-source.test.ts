import { describe, expect, it } from 'vitest';
import { rehearsalSourceAccounts } from '../../src/operations/rehearse-source.js';

describe('rehearsalSourceAccounts', () => {
  it('one account per distinct source account, named as the source, with a fresh key', () => {
    const accounts = rehearsalSourceAccounts(
      { storageFrom: ['https://oldsite.blob.core.windows.net/media?sv=2024&sp=rl&sig=x', 'https://oldsite.blob.core.windows.net/library/MySite', 'http://127.0.0.1:10000/other1/media?sv=2024&sp=rl&sig=y'] },
      ['qastorage'],
    );
    expect(accounts.map((account) => account.name)).toEqual(['oldsite', 'other1']);
    expect(Buffer.from(accounts[0]?.key ?? '', 'base64')).toHaveLength(64);
    expect(rehearsalSourceAccounts({}, [])).toEqual([]);
  });

  it('refuses a source account whose name the emulator already uses', () => {
    expect(() => rehearsalSourceAccounts({ storageFrom: ['http://127.0.0.1:10000/qastorage/media?sv=2024&sp=rl&sig=y'] }, ['qastorage'])).toThrow(/cannot be held in the rehearsal's emulator/);
    expect(() => rehearsalSourceAccounts({ storageFrom: ['http://127.0.0.1:10000/devstoreaccount1/media?sv=2024&sp=rl&sig=y'] }, [])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
