// The terminal side of `layerscope build` and `layerscope compare`: live build progress, then
// the stage picker; a stage opens in the browser (the same Browser component `layerscope IMAGE`
// uses, on the analysis already made), a comparison in the compare view; q goes back to the
// picker, q there quits. The terminal is restored whatever happens (as src/ui/run.ts does for
// the browser): alternate screen left, raw mode off, cursor shown.
import React from 'react';
import type { Analysis } from '../core/analysis.js';
import { compareAnalyses, type Comparison } from '../core/compare.js';
import { compareTree } from '../core/compareTree.js';
import { stageTitle } from '../core/stages.js';
import { plainBuildProgress, type BuildProgressView } from '../app/buildProgress.js';
import { EXIT } from '../app/exitCodes.js';
import { reportFailure } from '../app/failure.js';
import type { BuildResult } from '../core/buildResult.js';
import type { CompareJob } from '../app/screens.js';
import type { CompareLoadResult } from './CompareLoading.js';
import type { StageChoice } from './StagePicker.js';
import type { StoredCopy } from '../core/contentPath.js';
import { LazyContent } from '../app/lazyContent.js';
import type { OpenContent } from '../app/open.js';
import type { ViewerTarget } from './Viewer.js';
import { viewerTarget, type ContentAccess } from './viewerTarget.js';
import { importInk, openInput, SCREEN_OPTIONS, startSession } from './terminal.js';

type Ink = typeof import('ink');
type Show = <T>(make: (done: (value: T) => void) => React.ReactElement) => Promise<T | undefined>;

/** Live build progress on stdout (a terminal); falls back to plain stderr lines. */
export async function buildProgressView(title = 'Building'): Promise<BuildProgressView> {
  const ink = await importInk();
  const { BuildView, createBuildStore } = await import('./BuildView.js');
  const store = createBuildStore(title);
  const plain = plainBuildProgress();
  const instance = ink.render(React.createElement(BuildView, { store, width: process.stdout.columns ?? 100 }), {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: true,
    patchConsole: false,
    exitOnCtrlC: false,
    maxFps: 15,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
  };
  return {
    event: (e) => store.event(e),
    async fail(step, lastLines) {
      await close();
      await plain.fail(step, lastLines);
    },
    close,
  };
}

/** Runs `screens` one after the other in the alternate screen, restoring the terminal at the end. */
async function inTerminal(body: (show: Show) => Promise<void>): Promise<number> {
  const stdin = openInput();
  if (!stdin) {
    process.stderr.write('layerscope: the stage picker needs a terminal to read keys from; use --text or --json\n');
    return EXIT.badInput;
  }
  const ink = await importInk();
  const stdout = process.stdout;
  const session = startSession(stdin);
  let failed = false;
  let failure: unknown;
  try {
    await body(async <T>(make: (done: (value: T) => void) => React.ReactElement) => {
      let result: T | undefined;
      let instance: ReturnType<Ink['render']> | undefined;
      const done = (value: T) => {
        result = value;
        instance?.unmount();
      };
      instance = ink.render(make(done), {
        ...SCREEN_OPTIONS,
        stdin,
        stdout,
        stderr: process.stderr,
        exitOnCtrlC: true,
        patchConsole: true,
        maxFps: 30,
      });
      await instance.waitUntilExit();
      // Let the finished app's effect cleanups (raw mode off, input listener removed) run before
      // the next screen turns raw mode on again.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return result;
    });
  } catch (e) {
    failed = true;
    failure = e;
  } finally {
    session.end();
  }
  return failed ? reportFailure(failure) : EXIT.ok;
}

/** The bytes of each side of a comparison, when they can be read (the file viewer's diff). */
export interface CompareContents {
  a?: ContentAccess;
  b?: ContentAccess;
}

/** The side-by-side compare browser, until the user leaves it; `a` / `b` there open that side in
 *  the main browser at the path under the cursor, Enter on a changed file diffs A's copy with
 *  B's in the file viewer, and q there comes back to the comparison. */
async function compareLoop(show: Show, comparison: Comparison, a: Analysis, b: Analysis, contents: CompareContents = {}): Promise<void> {
  const { CompareBrowser } = await import('./CompareBrowser.js');
  const { sideLabels } = await import('./compareBrowserModel.js');
  const { Browser } = await import('./Browser.js');
  const { Viewer } = await import('./Viewer.js');
  type State = import('./compareBrowserModel.js').CompareBrowserState;
  type Outcome = { open?: { side: 'a' | 'b'; path: string }; diff?: { a?: string; b?: string }; state: State };
  const data = { comparison, tree: compareTree(a, b, comparison), canDiff: contents.a !== undefined || contents.b !== undefined };
  const labels = sideLabels(comparison);
  let saved: Outcome['state'] | undefined;
  for (;;) {
    const outcome = await show<Outcome>((done) =>
      React.createElement(CompareBrowser, {
        data,
        ...(saved ? { initialState: saved } : {}),
        onDone: (state) => done({ state }),
        onRequest: (request, state) => {
          if (request.kind === 'open') done({ open: { side: request.side, path: request.path }, state });
          else done({ diff: { ...(request.a ? { a: request.a } : {}), ...(request.b ? { b: request.b } : {}) }, state });
        },
      }),
    );
    if (!outcome?.open && !outcome?.diff) return;
    saved = outcome.state;
    if (outcome.diff) {
      const target = compareViewerTarget(
        { analysis: a, content: contents.a, label: labels.a },
        { analysis: b, content: contents.b, label: labels.b },
        outcome.diff,
      );
      if (!target) continue;
      let quit = false;
      await show<void>((done) =>
        React.createElement(Viewer, {
          target: target.target,
          startWithDiff: target.diff,
          onClose: () => done(undefined),
          onQuit: () => {
            quit = true;
            done(undefined);
          },
        }),
      );
      if (quit) return;
      continue;
    }
    const { side, path } = outcome.open!;
    const content = side === 'a' ? contents.a : contents.b;
    const analysis = side === 'a' ? a : b;
    // A stage's label (from a build); `compare A B` labels a side with its reference, already in the header.
    const label = side === 'a' ? comparison.a.label : comparison.b.label;
    const stage = label && label !== analysis.image.ref ? { stage: label } : {};
    await show<void>(() => React.createElement(Browser, { analysis, initialPath: path, ...(content ? { content } : {}), ...stage }));
  }
}

interface CompareSide {
  analysis: Analysis;
  content: ContentAccess | undefined;
  label: string;
}

/** What the viewer shows for a changed file: B's copy diffed with A's (the file as each image
 *  finally has it); a file only one side has (or only one side can read) opens on its own. */
export function compareViewerTarget(
  a: CompareSide,
  b: CompareSide,
  paths: { a?: string; b?: string },
): { target: ViewerTarget; diff: boolean } | undefined {
  const copyA = paths.a !== undefined && a.content ? visibleCopy(a.analysis, paths.a) : undefined;
  const copyB = paths.b !== undefined && b.content ? visibleCopy(b.analysis, paths.b) : undefined;
  const targetOf = (side: CompareSide, copy: StoredCopy) => {
    const t = viewerTarget(side.analysis.tree, copy, side.content!, side.analysis.secrets);
    return t ? { ...t, label: `${side.label} L${copy.layer}` } : undefined;
  };
  const tb = copyB ? targetOf(b, copyB) : undefined;
  const ta = copyA ? targetOf(a, copyA) : undefined;
  if (tb && ta?.open) {
    const { previous: _, ...rest } = tb;
    return { target: { ...rest, previous: { layer: ta.layer, open: ta.open, label: ta.label, path: ta.path } }, diff: true };
  }
  const only = tb ?? ta;
  if (!only) return undefined;
  const { previous: _, ...rest } = only;
  return { target: rest, diff: false };
}

/** The copy of `path` the image finally shows (undefined: not a readable entry there). */
function visibleCopy(analysis: Analysis, path: string): StoredCopy | undefined {
  const tree = analysis.tree;
  const id = tree.idOf(path);
  const state = id === undefined ? undefined : tree.stateAt(id);
  if (id === undefined || !state || state.entryIndex < 0) return undefined;
  return { path, id, layer: state.layer, index: state.entryIndex, entry: state.entry };
}

/** The stage picker loop: a stage opens in the browser, a comparison in the compare browser. */
export async function runStagePicker(result: BuildResult): Promise<number> {
  const { StagePicker, pickerItems } = await import('./StagePicker.js');
  const { Browser } = await import('./Browser.js');
  const stageOf = (index: number | undefined) => result.stages.find((s) => s.stage.index === index);
  // A stage's bytes are read only if the user looks inside one of its files.
  const lazy = new Map<number, LazyContent>();
  const contentOf = (stage: BuildResult['stages'][number] | undefined): ContentAccess | undefined => {
    if (!stage?.spec) return undefined;
    let c = lazy.get(stage.stage.index);
    if (!c) {
      c = new LazyContent(stage.spec);
      lazy.set(stage.stage.index, c);
    }
    return c;
  };
  const code = await inTerminal(async (show) => {
    let at = 0;
    for (;;) {
      const choice = await show<StageChoice>((done) =>
        React.createElement(StagePicker, { result, onChoose: done, initialIndex: at, width: process.stdout.columns ?? 100 }),
      );
      if (!choice || choice.kind === 'quit') return;
      at = pickerItems(result).findIndex(
        (i) =>
          (i.value.kind === choice.kind || (choice.kind === 'compareStage' && i.value.kind === 'stage')) &&
          'index' in i.value &&
          i.value.index === choice.index,
      );
      if (choice.kind === 'stage') {
        const stage = stageOf(choice.index)!;
        // The browser quits its Ink app on q: that brings us back here.
        const content = contentOf(stage);
        await show<void>(() =>
          React.createElement(Browser, { analysis: stage.analysis, ...(content ? { content } : {}), stage: stageTitle(stage.stage) }),
        );
      } else if (choice.kind === 'compareStage') {
        // A stage against the final one.
        const a = stageOf(choice.index);
        const b = stageOf(result.finalStage);
        if (!a || !b) continue;
        const comparison = compareAnalyses(a.analysis, b.analysis, {
          graph: result.graph,
          aStage: choice.index,
          bStage: result.finalStage,
        });
        await compareLoop(show, comparison, a.analysis, b.analysis, sideContents(contentOf(a), contentOf(b)));
      } else {
        const comparison = result.comparisons[choice.index]!;
        const a = stageOf(comparison.a.stage);
        const b = stageOf(comparison.b.stage);
        if (a && b) await compareLoop(show, comparison, a.analysis, b.analysis, sideContents(contentOf(a), contentOf(b)));
      }
    }
  });
  await Promise.all([...lazy.values()].map((c) => c.close()));
  return code;
}

function sideContents(a: ContentAccess | undefined, b: ContentAccess | undefined): CompareContents {
  return { ...(a ? { a } : {}), ...(b ? { b } : {}) };
}

/** `layerscope compare A B` on a terminal: both images load with their progress on screen (q
 *  leaves, Ctrl-C interrupts: exit 130), then the compare browser. */
export async function runCompareBrowser(job: CompareJob): Promise<number> {
  const { CompareLoading } = await import('./CompareLoading.js');
  let interrupted = false;
  // Both sources stay open while browsing: the file viewer diffs their copies.
  const kept: { a?: OpenContent; b?: OpenContent } = {};
  const code = await inTerminal(async (show) => {
    const loaded = await show<CompareLoadResult>((done) =>
      React.createElement(CompareLoading, {
        labels: job.labels,
        loadA: (hooks) => job.load('a', hooks, (o) => (kept.a = o)),
        loadB: (hooks) => job.load('b', hooks, (o) => (kept.b = o)),
        onDone: done,
      }),
    );
    if (!loaded) {
      interrupted = true;
      return;
    }
    if (loaded.kind === 'failed') throw loaded.error;
    if (loaded.kind === 'quit') return;
    await compareLoop(show, job.compare(loaded.a, loaded.b), loaded.a, loaded.b, sideContents(kept.a?.content, kept.b?.content));
  });
  await Promise.all([kept.a?.close(), kept.b?.close()]);
  return interrupted && code === EXIT.ok ? EXIT.interrupted : code;
}
