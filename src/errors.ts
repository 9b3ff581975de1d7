/**
 * The only exceptions amqpscope throws on purpose. Traffic anomalies are never exceptions: they are findings
 * (see diagnosis/) or capture warnings (see capture/types.ts). An AnalyzerError means the input cannot be read at
 * all, or the command line is wrong; the CLI turns it into one line on stderr and exit status 2.
 */
export type AnalyzerErrorCode =
  | 'not-a-capture' // unknown magic, empty file, text, a directory
  | 'unreadable-input' // missing file, permission denied, I/O error
  | 'usage'; // bad command-line arguments

export class AnalyzerError extends Error {
  readonly code: AnalyzerErrorCode;
  constructor(code: AnalyzerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnalyzerError';
    this.code = code;
  }
}
