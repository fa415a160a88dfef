// The exit codes of the command-line contract (GUIDE.md), defined once.
export const EXIT = {
  ok: 0,
  /** A --ci rule failed. */
  ciFailed: 1,
  /** Bad input, usage, an unreachable engine: one line on stderr says what to do. */
  badInput: 2,
  /** A bug of ours (EX_SOFTWARE): the message says so. */
  internal: 70,
  /** Ctrl-C: what a shell reports for a run ended by SIGINT. */
  interrupted: 130,
} as const;

export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** 128 + the signal's number, as shells report a run a signal ended (130 for SIGINT). */
export function signalExitCode(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 1);
}
