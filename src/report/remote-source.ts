/** How a remote source signed in with Entra ID is announced: its host in full, before any request is sent. */
import type { RemoteSource } from '../azure/remote-source.js';

export function renderSignedInSources(sources: readonly RemoteSource[]): string {
  return sources
    .filter((source) => source.sas === null)
    .map((source) => `Source  ${source.redacted}\n        read with your Microsoft Entra ID sign-in; the token goes to ${new URL(source.endpoint).host} only\n`)
    .join('');
}
