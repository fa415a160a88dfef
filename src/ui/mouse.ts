// The mouse, in SGR mode (1006) with button and drag reports (1000, 1002): the terminal sends
// ESC [ < b ; x ; y M (press, drag, wheel) or … m (release). The sequences are taken out of the
// input before Ink reads it, so they never become key presses; what is left goes on to Ink.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

export const MOUSE_ON = '\u001B[?1000h\u001B[?1002h\u001B[?1006h';
export const MOUSE_OFF = '\u001B[?1006l\u001B[?1002l\u001B[?1000l';

export interface MouseEvent {
  kind: 'press' | 'release' | 'drag' | 'wheel';
  /** 0 left, 1 middle, 2 right (press, release, drag). */
  button: number;
  /** For a wheel event. */
  wheel?: 'up' | 'down';
  /** Column and row, 1-based, as the terminal counts them. */
  x: number;
  y: number;
  shift: boolean;
  meta: boolean;
  ctrl: boolean;
}

const SGR = /\u001B\[<(\d+);(\d+);(\d+)([Mm])/g;
/** The start of a mouse report a read may have cut: held back until the rest arrives. */
const PARTIAL = /\u001B(?:\[(?:<[\d;]*)?)?$/;

export function parseMouse(code: number, x: number, y: number, final: 'M' | 'm'): MouseEvent {
  const mods = { shift: (code & 4) !== 0, meta: (code & 8) !== 0, ctrl: (code & 16) !== 0 };
  if (code & 64) return { kind: 'wheel', button: code & 3, wheel: (code & 1) === 0 ? 'up' : 'down', x, y, ...mods };
  const kind = final === 'm' ? 'release' : code & 32 ? 'drag' : 'press';
  return { kind, button: code & 3, x, y, ...mods };
}

/** Splits input into the text for Ink and the mouse events in it; `rest` is a cut-off report
 *  (or a lone ESC, or ESC [) to prepend to the next read. */
export function splitMouse(input: string): { text: string; events: MouseEvent[]; rest: string } {
  const events: MouseEvent[] = [];
  let text = '';
  let last = 0;
  for (const m of input.matchAll(SGR)) {
    text += input.slice(last, m.index);
    events.push(parseMouse(Number(m[1]), Number(m[2]), Number(m[3]), m[4] as 'M' | 'm'));
    last = m.index + m[0].length;
  }
  text += input.slice(last);
  const cut = PARTIAL.exec(text);
  // Only a report's beginning is held: ESC [ < … . A lone ESC or ESC [ at the end is a key (Esc)
  // or Ink's to complete, unless the report may continue (ESC [ <).
  if (cut?.[0].startsWith('\u001B[<')) return { text: text.slice(0, cut.index), events, rest: cut[0] };
  return { text, events, rest: '' };
}

export interface MouseInput {
  /** What Ink reads: the terminal's input without the mouse reports (raw mode passes through). */
  stdin: NodeJS.ReadStream;
  /** 'mouse' events (MouseEvent). */
  events: EventEmitter;
  close(): void;
}

/** How long a cut-off report waits for its end before it goes to Ink as it is. */
const PARTIAL_WAIT_MS = 50;

/** Reads `tty` and passes it on to Ink without the mouse reports, which go to `events`. */
export function mouseInput(tty: NodeJS.ReadStream): MouseInput {
  const events = new EventEmitter();
  const out = new PassThrough({ encoding: 'utf8' }) as unknown as NodeJS.ReadStream & PassThrough;
  let held = '';
  let timer: NodeJS.Timeout | undefined;
  const onData = (chunk: Buffer | string) => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const { text, events: found, rest } = splitMouse(held + chunk.toString());
    held = rest;
    if (text) out.write(text);
    for (const e of found) events.emit('mouse', e);
    if (held)
      timer = setTimeout(() => {
        out.write(held);
        held = '';
      }, PARTIAL_WAIT_MS);
  };
  tty.on('data', onData);
  // What Ink asks of a terminal input, handed to the terminal.
  Object.assign(out, {
    isTTY: true,
    setRawMode: (on: boolean) => {
      tty.setRawMode(on);
      return out;
    },
    ref: () => {
      tty.ref?.();
      return out;
    },
    unref: () => {
      tty.unref?.();
      return out;
    },
  });
  return {
    stdin: out,
    events,
    close() {
      if (timer) clearTimeout(timer);
      tty.off('data', onData);
      out.end();
    },
  };
}
