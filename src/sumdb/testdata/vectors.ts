// Test vectors made by running Go 1.19's x/mod sumdb code (see gen-vectors/main.go), loaded for the unit tests.
import { readFileSync } from 'node:fs';

export interface TileJson {
  h: number;
  l: number;
  n: number;
  w: number;
  path: string;
}
export interface SigJson {
  Name: string;
  Hash: number;
  Base64: string;
}

export interface GoVectors {
  tlog: {
    recordHashA: string;
    records: string[];
    storedHashes: string[];
    roots: string[];
    storedHashIndex: [number, number, number, number, number][];
    storedHashCount: [number, number][];
    recordProofs: { t: number; n: number; proof: string[] }[];
    treeProofs: { t: number; n: number; proof: string[] }[];
    tileForIndex: { h: number; index: number; tile: TileJson }[];
    newTiles: { h: number; old: number; new: number; paths: string[] | null }[];
    tileData: { path: string; data: string }[];
    tilePaths: { path: string; err?: string; tile?: TileJson }[];
    treeParse: { text: string; err?: string; n?: number; hash?: string }[];
    recordParse: { msg: string; err?: string; id?: number; text?: string; rest?: string }[];
    tileReads: { h: number; n: number; indexes: number[]; reads: string[]; hashes: string[] }[];
  };
  note: {
    signer2: string;
    verifier2: string;
    text: string;
    signedPN: string;
    signedBoth: string;
    resigned: string;
    open: { name: string; msg: string; verifiers: string[]; err?: string; text?: string; sigs?: SigJson[] | null; unverified?: SigJson[] | null }[];
    verifierKeys: { key: string; ok: boolean; err?: string }[];
    signerKeys: { key: string; ok: boolean; err?: string }[];
  };
  client: {
    steps: { path: string; version: string; fresh: boolean; lines: string[]; reads: string[] | null; writes: string[] | null }[];
    latest: string;
    server: Record<string, string>;
    fork: { err: string; messages: string[] };
    rollback: { err: string; messages: string[] };
  };
}

export const vectors = JSON.parse(readFileSync(new URL('./go-vectors.json', import.meta.url), 'utf8')) as GoVectors;

/** Go's JSON encodes []byte as standard base64. */
export const bytes = (b64: string): Buffer => Buffer.from(b64, 'base64');

export const PN_SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
export const PN_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
