// Questions on a terminal (node:readline). A hidden answer (a password) is not echoed.
import readline from 'node:readline';

export interface Prompter {
  ask(question: string, options?: { fallback?: string; hidden?: boolean }): Promise<string>;
  close(): void;
}

export function openPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Prompter {
  const rl = readline.createInterface({ input, output, terminal: true });
  let muted = false;
  // readline echoes every key through _writeToOutput; while a password is typed, nothing is written.
  const internal = rl as unknown as { _writeToOutput?: (s: string) => void };
  const write = internal._writeToOutput?.bind(rl);
  if (write) internal._writeToOutput = (s: string) => (muted ? undefined : write(s));
  return {
    ask(question, options = {}) {
      const label = options.fallback !== undefined && options.fallback !== '' ? `${question} [${options.fallback}]: ` : `${question}: `;
      return new Promise((resolve) => {
        rl.question(label, (answer) => {
          if (muted) output.write('\n');
          muted = false;
          const a = options.hidden ? answer : answer.trim();
          resolve(a === '' && options.fallback !== undefined ? options.fallback : a);
        });
        // The label is out; from here the typed characters are not shown.
        if (options.hidden) muted = true;
      });
    },
    close: () => rl.close(),
  };
}
