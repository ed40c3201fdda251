// The warm targets bench/profile.ts and bench/ab.ts measure: one path each, and the module it needs.
export const TARGETS: Record<string, { path: string; module: string; zipBytes: number }> = {
  '.info': { path: '/bench.example/meta/@v/v1.0.0.info', module: 'bench.example/meta', zipBytes: 1024 },
  '.mod': { path: '/bench.example/meta/@v/v1.0.0.mod', module: 'bench.example/meta', zipBytes: 1024 },
  zip16KB: { path: '/bench.example/zip16kb/@v/v1.0.0.zip', module: 'bench.example/zip16kb', zipBytes: 16 * 1024 },
  zip1MB: { path: '/bench.example/zip1mb/@v/v1.0.0.zip', module: 'bench.example/zip1mb', zipBytes: 1 << 20 },
};
