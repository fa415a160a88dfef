// Hooks an engine source reports through while it is opened from deep inside openImage (a pull
// of a missing image takes a while): scoped to one call with AsyncLocalStorage, so concurrent
// loads do not see each other's hooks. Kept apart from engine.ts so that callers do not load
// dockerode just to pass a hook.
import { AsyncLocalStorage } from 'node:async_hooks';

/** One event of a pull through the engine, as its JSON progress stream reports it. */
export interface PullProgress {
  ref: string;
  /** e.g. `Pulling fs layer`, `Downloading`, `Pull complete`, `Status: Downloaded newer image…`. */
  status: string;
  /** Layer (short blob digest) the event is about, if any. */
  id?: string;
  current?: number;
  total?: number;
}

export interface EngineHooks {
  /** Called for every progress event while the engine pulls a missing image. */
  onPull?: (progress: PullProgress) => void;
}

const scope = new AsyncLocalStorage<EngineHooks>();

/** Runs `fn` with engine hooks that openEngine (reached through openImage) picks up. */
export function withEngineHooks<T>(hooks: EngineHooks, fn: () => Promise<T>): Promise<T> {
  return scope.run(hooks, fn);
}

export function currentEngineHooks(): EngineHooks {
  return scope.getStore() ?? {};
}
