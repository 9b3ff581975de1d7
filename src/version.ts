/** The tool's version, as in package.json (a test keeps the two equal). */
export const VERSION = '0.1.0';
/** Bumped when a report field changes meaning (../shared/docs/report-contract.md). */
export const SCHEMA_VERSION = 1;
