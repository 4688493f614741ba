/**
 * The vault's errors carry a `code` and never a value: messages name subjects, categories,
 * fields, event ids and key ids, which are not personal information, and nothing else.
 */

/** The (subject, category) data key was shredded: the data is gone for good; render "[erased]". */
export class DataErasedError extends Error {
  readonly code = 'data-erased';
  constructor(
    readonly subjectId: string,
    readonly category: string,
  ) {
    super(`the ${category} data of subject ${subjectId} has been erased`);
    this.name = 'DataErasedError';
  }
}

/** A ciphertext does not open under its context: moved, tampered with, or not ours. */
export class DecryptionFailedError extends Error {
  readonly code = 'decryption-failed';
  constructor(
    readonly eventId: string,
    readonly field: string,
  ) {
    super(`field ${field} of event ${eventId} does not authenticate under its subject, category and key`);
    this.name = 'DecryptionFailedError';
  }
}

/** The master key in use is not the one that wrapped the stored keys, or a rotation is half done. */
export class MasterKeyMismatchError extends Error {
  readonly code = 'master-key-mismatch';
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyMismatchError';
  }
}

export class KekRotationError extends Error {
  readonly code = 'kek-rotation-failed';
  constructor(message: string) {
    super(message);
    this.name = 'KekRotationError';
  }
}
