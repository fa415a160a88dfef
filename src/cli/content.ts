// The content commands: cat, extract, export, diff. Each opens the image with its source kept
// open while bytes are read (contentImage.ts) and reports its exit code through setExit.
import type { Command } from 'commander';
import { runCat, type CatOptions } from './cat.js';

export function addContentCommands(program: Command, setExit: (code: number) => void, addImageOptions: (cmd: Command) => Command): void {
  addImageOptions(
    program
      .command('cat')
      .description('write the exact bytes of a file to stdout: the visible copy, or the copy stored in layer N (hidden copies too)')
      .argument('<image>', 'the image, as for the main command')
      .argument('<path>', 'the file, e.g. /etc/os-release')
      .option('--layer <n>', 'the copy this layer stores (0 is the base layer)')
      .action(async (image: string, path: string, options: CatOptions) => setExit(await runCat(image, path, options))),
  );
}
