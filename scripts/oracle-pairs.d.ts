export function pairStreams<
  S extends { client: string; server: string; frames_c2s: number; frames_s2c: number },
  C extends { id: string; opened: { packet: number } },
>(streams: readonly S[], connections: readonly C[]): { o: S; c: C | null }[];
