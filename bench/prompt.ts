// The one convention between the workloads and the bench's mock model: how a prompt asks for a
// reply streamed as many deltas.

/** A user message asking the mock for a reply in `deltas` text deltas. */
export function deltasPrompt(deltas: number): string {
  return `Stream ${deltas} deltas, please.`;
}

/** The number of deltas `text` asks for; 1 for any other prompt. */
export function deltasAsked(text: string): number {
  const match = /Stream (\d+) deltas/.exec(text);
  return match ? Number(match[1]) : 1;
}
