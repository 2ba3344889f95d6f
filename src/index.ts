export { KxpError, ExitCode, isKxpError, toKxpError, type ErrorCode, type KxpErrorOptions } from './errors.js';
export type { Finding, FindingCode, Severity } from './rules/finding.js';
export type { PayloadFile, PayloadSource } from './source/types.js';
export { startAzurite, createContainerSasUrl, type AzuriteOptions, type RunningAzurite, type ContainerSasOptions } from './azure/azurite.js';
export { planPayload, PACKAGE_LIMIT_BYTES, type PlanOptions, type PlanReport, type PlanEvent } from './operations/plan.js';
export { scanPayload, type ScanEvent, type ScanOptions } from './source/scan.js';
export { blobNameProblem, containerNameProblem, hasUppercase, segmentProblem, DATABASE_BLOB_NAME } from './rules/names.js';
