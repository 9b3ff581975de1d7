/**
 * One capture file from start to report, for the CLI and its worker threads (several captures are analysed in
 * parallel, one worker per file): the same analyzer, fed from the file.
 */
import { Analyzer } from './analyze.js';
import { CaptureSource } from './capture/source.js';
import type { Report } from './report/types.js';
import type { KeyLog } from './tls/keylog.js';

export interface FileAnalysis {
  ports?: number[] | undefined;
  keyLog: KeyLog | null;
  /** Keep every connection's full timeline (--all), however many there are. */
  allTimelines: boolean;
}

export async function analyzeFile(path: string, o: FileAnalysis): Promise<Report> {
  const analyzer = new Analyzer({ path, ports: o.ports, keyLog: o.keyLog, allTimelines: o.allTimelines });
  const source = new CaptureSource(path, { reuseBuffer: true });
  for await (const chunk of source) analyzer.push(chunk);
  for (const w of source.warnings) analyzer.warn(w);
  return analyzer.end();
}
