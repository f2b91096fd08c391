/** Prints the demo as numbered steps, with what each system saw indented under it. */
export class Narrator {
  private step = 0;

  title(text: string): void {
    console.log(`\n=== ${text} ${'='.repeat(Math.max(0, 90 - text.length))}`);
  }

  says(text: string): void {
    this.step++;
    console.log(`\n${this.step}. ${text}`);
  }

  saw(system: string, what: string): void {
    const lines = what.trim().split('\n');
    console.log(`   ${system.padEnd(8)} ${lines[0]}`);
    for (const line of lines.slice(1)) console.log(`   ${''.padEnd(8)} ${line}`);
  }
}

/** Polls until `probe` returns something truthy; the demo never sleeps for a fixed time. */
export async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`demo: gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
