/** BACPAC inspection and writing: no Azure, no printing. */
export { inspectBacpac, type BacpacReport, type BacpacTableReport, type BacpacEvent, type InspectOptions } from './inspect.js';
export { readXperienceVersion } from './xperience-version.js';
export { quickCheckBacpac, type BacpacQuickCheck } from './quick-check.js';
export type { BacpacIssue, BacpacIssueCode } from './issues.js';
export { EXAMPLE_XPERIENCE_VERSION } from '../rules/xperience-version.js';
export { writeBacpac, type WriteBacpacOptions, type WriterTable, type WriterColumn } from './write.js';
export type { CellValue } from './bcp-encode.js';
