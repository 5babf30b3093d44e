// Temporary folders for tests that need real files. Each test gets its own folder under the OS temp dir,
// removed afterwards, so tests can run in parallel without sharing a store file or a lock.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  /** Absolute path of `name` inside the folder (not created). */
  file(name: string): string;
  /** Writes `content` to `name` inside the folder and returns its absolute path. */
  write(name: string, content: string | Buffer): string;
  /** Removes the folder and everything in it; safe to call twice. */
  remove(): void;
}

export function makeTempDir(prefix = 'escalatord-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    write(name, content) {
      const target = join(path, name);
      writeFileSync(target, content);
      return target;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a fresh folder before each test and removes it after, e.g.
 * `const tmp = useTempDir(beforeEach, afterEach);` then `tmp().file('store.json')` inside a test.
 * The hooks are passed in so this file does not depend on the test runner.
 */
export function useTempDir(before: (fn: () => void) => void, after: (fn: () => void) => void, prefix?: string): () => TempDir {
  let current: TempDir | undefined;
  before(() => {
    current = makeTempDir(prefix);
  });
  after(() => {
    current?.remove();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useTempDir: the folder exists only inside a test');
    return current;
  };
}

/** SHA-256 of a file's bytes, to prove that a file was left byte-for-byte unchanged. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
