export function optionsBlock(options: readonly { flags: string; description: string }[]): string;
export function exampleBlock(
  analyzeBytes: (bytes: Uint8Array, options: { path: string }) => unknown,
  renderTerminal: (report: never, opts: { width: number; color: boolean; all: boolean }) => string,
  capturePath: string,
): string;
export function replaceBlock(readme: string, name: string, content: string): string;
