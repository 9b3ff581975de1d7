export function optionsBlock(options: readonly { flags: string; description: string }[]): string;
export function exampleBlock(
  analyzeBytes: (bytes: Uint8Array, options: { path: string }) => unknown,
  renderTerminal: (report: never, opts: { width: number; color: boolean; all: boolean }) => string,
  capturePath: string,
): string;
export function liveBlock(
  Analyzer: new (options: { path: string; onLive: (event: never) => void }) => { push(bytes: Uint8Array): void; end(): unknown },
  liveLine: (event: never) => string,
  capturePath: string,
): string;
export function replaceBlock(readme: string, name: string, content: string): string;
