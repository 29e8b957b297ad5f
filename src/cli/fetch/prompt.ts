/** A password prompt on the terminal that does not echo what is typed. */

/** Ctrl-C at the prompt. */
export class PromptInterrupted extends Error {
  override readonly name = 'PromptInterrupted';
}

interface TtyInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Writes `question` to `output` and reads one line from the TTY `input` in raw mode, so the
 * characters never appear. Backspace edits; Enter ends; Ctrl-C rejects with PromptInterrupted.
 */
export function promptHidden(
  question: string,
  input: TtyInput,
  output: NodeJS.WritableStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new PromptInterrupted('interrupted at the password prompt'));
        if (ch === '\u0004') {
          if (typed === '') return finish(new PromptInterrupted('no password typed (end of input)'));
        } else if (ch === '\u007f' || ch === '\b') {
          typed = Array.from(typed).slice(0, -1).join('');
        } else if (ch >= ' ') {
          typed += ch;
        }
      }
    };
    output.write(question);
    input.setEncoding('utf8');
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}
