export { KxpError, ExitCode, isKxpError, toKxpError, type ErrorCode, type KxpErrorOptions } from './errors.js';
export type { Finding, FindingCode, Severity } from './rules/finding.js';
export type { PayloadFile, PayloadSource } from './source/types.js';
export { startAzurite, createContainerSasUrl, type AzuriteOptions, type RunningAzurite, type ContainerSasOptions } from './azure/azurite.js';
