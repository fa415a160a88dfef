// The top line of the browser: which image this is (its reference as the user named it, and the
// stage when it came from a build), its size, and the warnings reading it raised, with the key
// that lists them.
import type React from 'react';
import { bytes } from '../report/format.js';
import type { UiModel } from './model.js';
import { primaryKey } from './keymap.js';
import { StyledLine } from './StyledLine.js';
import { fitLine, lineLength, middleClip, plural, type Line } from './text.js';
import { escapeForTerminal } from '../core/paths.js';

export interface HeaderProps {
  model: UiModel;
  /** The build stage the image is (stage picker, compare). */
  stage?: string | undefined;
  width: number;
}

/** The header's segments. The warnings count is never dropped; the reference is cut in the
 *  middle (its tail tells tags apart) before anything else goes. */
export function headerLine(model: UiModel, stage: string | undefined, width: number): Line {
  const { image, account, warnings } = model.analysis;
  const warningsPart: Line =
    warnings.length > 0
      ? [{ text: `  ⚠ ${plural(warnings.length, 'warning')} (${primaryKey('browser', 'toggleWarnings')} lists them)`, tone: 'warning' }]
      : [];
  const stagePart: Line = stage ? [{ text: ` · stage ${stage}`, tone: 'accent' }] : [];
  const facts: Line = [{ text: ` · ${plural(model.layerCount, 'layer')} · ${bytes(account.storedBytes)} stored`, tone: 'dim' }];
  const room = width - lineLength(warningsPart) - lineLength(stagePart);
  const ref = escapeForTerminal(image.ref || '(unnamed image)');
  const withFacts = lineLength(facts) + ref.length <= room;
  const refText = withFacts ? ref : middleClip(ref, Math.max(8, room));
  return [{ text: refText, tone: 'title' }, ...stagePart, ...(withFacts ? facts : []), ...warningsPart];
}

export function Header({ model, stage, width }: HeaderProps): React.JSX.Element {
  return <StyledLine line={fitLine(headerLine(model, stage, width), width)} />;
}
