// Why the file engine refuses to start. Both name the file and say that nothing was changed: the operator
// restores a backup or moves the file aside; escalatord never "repairs" a store by overwriting it.

export class StoreCorruptError extends Error {
  readonly code = 'store_corrupt';
  constructor(readonly file: string, readonly detail: string) {
    super(
      `the store file ${file} cannot be read (${detail}). escalatord will not start on it and has not modified it. ` +
        'Restore it from a backup, or move it aside to start with an empty store.',
    );
  }
}

export class StoreVersionError extends Error {
  readonly code = 'store_version';
  constructor(readonly file: string, readonly version: number, readonly known: number) {
    super(
      `the store file ${file} was written by a newer escalatord (schema ${version}; this one knows up to ${known}). ` +
        'escalatord will not start on it and has not modified it.',
    );
  }
}
