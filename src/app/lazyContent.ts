// The bytes of an image that was analysed earlier without keeping its source open (a built
// stage): the image is opened again only when the user first looks inside one of its files —
// its layer summaries come from the cache then — and stays open until close().
import type { ImageContent } from '../sources/content.js';
import { openAnalysed, type ImageOptions, type OpenContent } from './open.js';

export class LazyContent {
  private opening: Promise<OpenContent> | undefined;

  constructor(
    private readonly spec: string,
    private readonly options: ImageOptions = {},
  ) {}

  async open(layer: number, index: number): ReturnType<ImageContent['open']> {
    this.opening ??= openAnalysed(this.spec, this.options);
    return (await this.opening).content.open(layer, index);
  }

  async close(): Promise<void> {
    const opened = await this.opening?.catch(() => undefined);
    await opened?.close();
  }
}
