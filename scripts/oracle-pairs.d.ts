export function pairStreams<
  S extends { client: string; server: string; frames_c2s: number; frames_s2c: number },
  C extends { id: string; opened: { packet: number } },
>(streams: readonly S[], connections: readonly C[]): { o: S; c: C | null }[];
export function cutOffAttempts<S extends { frames_c2s: number; frames_s2c: number; tcp_flags: readonly { t: number; flags: readonly string[] }[] }>(
  streams: readonly S[],
  report: { capture: { start: string | null; durationSeconds: number } },
  waitSeconds?: number,
): S[];
export function streamId(c: { id: string }): string;
