// The terminal the example prints to: whole lines prefixed with the panel they belong to, and one
// reply at a time streaming word by word.

export class Screen {
  #streaming: string | null = null;

  /** Prints one line for `panel`, ending a reply that is streaming first. */
  line(panel: string, text: string): void {
    this.#break();
    process.stdout.write(`[${panel}] ${text}\n`);
  }

  /** Adds `delta` to the reply streaming in `panel`; a reply cut by another line goes on in a new one. */
  stream(panel: string, delta: string): void {
    if (this.#streaming !== panel) {
      this.#break();
      process.stdout.write(`[${panel}] assistant › `);
      this.#streaming = panel;
    }
    process.stdout.write(delta);
  }

  /** Ends the streaming reply's line. */
  endStream(): void {
    this.#break();
  }

  #break(): void {
    if (this.#streaming !== null) process.stdout.write('\n');
    this.#streaming = null;
  }
}
