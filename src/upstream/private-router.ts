// Sends private modules (GOPRIVATE-style patterns) to their own upstream list, so their names never
// reach a public proxy — the proxy-side twin of the go command's GONOPROXY rule (§1.5).
import type { Info, Source, StageFn, ZipArtifact } from './source.js';

export class PrivateRouter implements Source {
  readonly name: string;

  constructor(
    private readonly isPrivate: (modulePath: string) => boolean,
    private readonly publicSource: Source,
    private readonly privateSource: Source,
  ) {
    this.name = publicSource.name;
  }

  private pick(modulePath: string): Source {
    return this.isPrivate(modulePath) ? this.privateSource : this.publicSource;
  }

  list(modulePath: string): Promise<string[]> {
    return this.pick(modulePath).list(modulePath);
  }

  info(modulePath: string, query: string): Promise<Info> {
    return this.pick(modulePath).info(modulePath, query);
  }

  latest(modulePath: string): Promise<Info> {
    return this.pick(modulePath).latest(modulePath);
  }

  mod(modulePath: string, version: string): Promise<Buffer> {
    return this.pick(modulePath).mod(modulePath, version);
  }

  zip(modulePath: string, version: string, stage: StageFn): Promise<ZipArtifact> {
    return this.pick(modulePath).zip(modulePath, version, stage);
  }
}
