import { describe, expect, it } from 'vitest';
import { endpointSuffix, isStorageEndpoint, parseRemoteSourceUrl } from '../../src/azure/remote-source.js';
import { KxpError } from '../../src/errors.js';

describe('which hosts an Entra ID token may go to', () => {
  it('Azure Storage blob endpoints of the public, US Government and China clouds, and loopback', () => {
    for (const host of ['contoso.blob.core.windows.net', 'contoso.blob.core.usgovcloudapi.net', 'contoso.blob.core.chinacloudapi.cn', 'CONTOSO.Blob.Core.Windows.Net', 'contoso.blob.core.windows.net.', '127.0.0.1', 'localhost', '[::1]']) {
      expect(isStorageEndpoint(host), host).toBe(true);
    }
  });

  it('nothing that only contains or resembles such a name', () => {
    for (const host of ['contoso.blob.core.windows.net.example.org', 'blob.core.windows.net', 'evil.contoso.blob.core.windows.net', 'contoso.file.core.windows.net', 'contoso-blob.core.windows.net', 'contoso.blob.core.windows.net.cn', 'example.org', 'contoso.localhost', '10.0.0.1']) {
      expect(isStorageEndpoint(host), host).toBe(false);
    }
  });

  it('a suffix named on purpose (Azure Stack Hub), written with or without blob.', () => {
    expect(isStorageEndpoint('contoso.blob.local.azurestack.external')).toBe(false);
    expect(isStorageEndpoint('contoso.blob.local.azurestack.external', ['local.azurestack.external'])).toBe(true);
    expect(isStorageEndpoint('contoso.blob.local.azurestack.external', ['blob.local.azurestack.external'])).toBe(true);
    expect(() => endpointSuffix('https://x/')).toThrow(KxpError);
    expect(() => endpointSuffix('')).toThrow(/not a DNS suffix/);
  });

  it('parsing refuses a source without a SAS on another host, before anything else: SOURCE_HOST_REFUSED, exit 2, the host in full', () => {
    let thrown: unknown;
    try {
      parseRemoteSourceUrl('https://contoso.blob.core.windows.net.example.org/media/site');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KxpError);
    expect(thrown).toMatchObject({ code: 'SOURCE_HOST_REFUSED', exitCode: 2 });
    expect((thrown as KxpError).message).toContain('names the host contoso.blob.core.windows.net.example.org');
    expect(parseRemoteSourceUrl('https://contoso.blob.core.usgovcloudapi.net/media').account).toBe('contoso');
    expect(parseRemoteSourceUrl('https://contoso.blob.core.windows.net.example.org/media', { endpointSuffixes: ['core.windows.net.example.org'] }).container).toBe('media');
    // A SAS carries no token: its URL is the user's to give (it is scoped to that one container).
    expect(parseRemoteSourceUrl('https://contoso.example.org/media?sv=2024-08-04&sp=rl&se=2099-01-01T00:00:00Z&sr=c&sig=abc').account).toBe('contoso');
  });
});
