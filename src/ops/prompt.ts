// Questions on a terminal (node:readline). A hidden answer (a password) is not echoed. Lines typed before their
// question is asked are kept in order, not lost.
import readline from 'node:readline';
import { AppError } from '../errors.js';

export interface Prompter {
  ask(question: string, options?: { fallback?: string; hidden?: boolean }): Promise<string>;
  close(): void;
}

export function openPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Prompter {
  const rl = readline.createInterface({ input, output, terminal: true });
  const typed: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let closed = false;
  rl.on('line', (line) => (waiting.length ? waiting.shift()!(line) : typed.push(line)));
  rl.on('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) w(null);
  });
  let muted = false;
  // readline echoes every key through _writeToOutput; while a password is typed, nothing is written.
  const internal = rl as unknown as { _writeToOutput?: (s: string) => void };
  const write = internal._writeToOutput?.bind(rl);
  if (write) internal._writeToOutput = (s: string) => (muted ? undefined : write(s));

  const nextLine = () =>
    new Promise<string | null>((resolve) => {
      if (typed.length) resolve(typed.shift()!);
      else if (closed) resolve(null);
      else waiting.push(resolve);
    });

  return {
    async ask(question, options = {}) {
      const label = options.fallback !== undefined && options.fallback !== '' ? `${question} [${options.fallback}]: ` : `${question}: `;
      output.write(label);
      if (options.hidden) muted = true;
      const line = await nextLine();
      if (muted) output.write('\n');
      muted = false;
      if (line === null) throw new AppError('INPUT_ENDED', 'the input ended before every question was answered; nothing was written');
      const answer = options.hidden ? line : line.trim();
      return answer === '' && options.fallback !== undefined ? options.fallback : answer;
    },
    close: () => rl.close(),
  };
}
