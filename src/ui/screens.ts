// The terminal screens the application opens (src/app/screens.ts says what they are).
import type { Screens } from '../app/screens.js';
import { runBrowser } from './run.js';
import { buildProgressView, runCompareBrowser, runStagePicker } from './runStages.js';

export const screens: Screens = {
  browse: runBrowser,
  buildProgress: buildProgressView,
  pickStage: runStagePicker,
  compare: runCompareBrowser,
};
