/**
 * Stable codes of the problems the bacpac checks report (docs/inspect.md):
 * - BACPAC_INVALID: not a zip, truncated, a required part missing or unreadable, malformed XML, or unreadable table data;
 * - BACPAC_NO_DATA: Origin.xml says the export holds no table data (schema-only export or a .dacpac);
 * - BACPAC_CHECKSUM: the SHA-256 of model.xml differs from the checksum Origin.xml records;
 * - BACPAC_ROWS: the rows counted in the table data differ from Origin.xml's total;
 * - BACPAC_VERSION: the database's Xperience version is one the SaaS can never take (Kentico 13 or older, below 30.1.0).
 * Warnings use BACPAC_WARNING.
 */
export type BacpacIssueCode = 'BACPAC_INVALID' | 'BACPAC_NO_DATA' | 'BACPAC_CHECKSUM' | 'BACPAC_ROWS' | 'BACPAC_VERSION' | 'BACPAC_WARNING';

export interface BacpacIssue {
  code: BacpacIssueCode;
  /** The bacpac file, or `<file>/<part>` when one part is concerned. */
  path: string;
  /** One sentence naming what is wrong and the fix. */
  message: string;
}

/** The advice that ends most messages: a damaged or unsuitable bacpac cannot be repaired, only exported again. */
export const REEXPORT = 'export the database again (SqlPackage /Action:Export or SSMS "Export Data-tier Application") and use the new .bacpac';
