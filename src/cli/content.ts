// The content commands: cat, extract, export, diff. Each opens the image with its source kept
// open while bytes are read (contentImage.ts) and reports its exit code through setExit.
import type { Command } from 'commander';
import { runCat, type CatOptions } from './cat.js';
import { runDiff, type DiffOptions } from './diff.js';
import { runExport, type ExportOptions } from './export.js';
import { runExtract, type ExtractOptions } from './extract.js';

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
  addImageOptions(
    program
      .command('extract')
      .description('write files and directories of the image under DIR (by their full path), with their modes; never outside DIR')
      .argument('<image>', 'the image, as for the main command')
      .argument('<path...>', 'files or directories to extract')
      .option('-o, --output <dir>', 'the directory to write into (created if missing)')
      .option('--layer <n>', 'extract from the view after layer N (hidden copies that layer stores included)')
      .option('--force', 'overwrite files that exist in DIR')
      .action(async (image: string, paths: string[], options: ExtractOptions) => setExit(await runExtract(image, paths, options))),
  );
  addImageOptions(
    program
      .command('export')
      .description('write the merged filesystem as a tar (what docker export gives), or one layer as stored with --layer N')
      .argument('<image>', 'the image, as for the main command')
      .option('-o, --output <file>', 'the tar to write (- for stdout)')
      .option('--layer <n>', "this layer's tar as stored (uncompressed)")
      .action(async (image: string, options: ExportOptions) => setExit(await runExport(image, options))),
  );
  addImageOptions(
    program
      .command('diff')
      .description('diff a file against its previous stored copy (diff IMAGE PATH), or between two images (diff A B PATH)')
      .argument('<image>', 'the image (or A, the first of two)')
      .argument('<path-or-image>', 'the path (or B, the second image)')
      .argument('[path]', 'the path, when two images are given')
      .option('--from <n>', 'the copy layer N stores (default: the copy before --to)')
      .option('--to <m>', 'the copy layer M stores (default: the visible copy)')
      .action(async (a: string, b: string, c: string | undefined, options: DiffOptions) => setExit(await runDiff(a, b, c, options))),
  );
}
