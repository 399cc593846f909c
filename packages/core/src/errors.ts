/** Base class of every error scalespace throws on purpose: the message says what was wrong and what to do. */
export class ScalespaceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option or argument has the wrong type, range or shape. */
export class InvalidArgumentError extends ScalespaceError {}

/** An image (file or tensor) cannot be used as given: unreadable, wrong channels, NaN values. */
export class InvalidImageError extends ScalespaceError {}

/** A requested TensorFlow.js backend is not installed or failed to start. */
export class BackendUnavailableError extends ScalespaceError {}

/** A checkpoint is missing, corrupt, or does not match the module it is loaded into. */
export class CheckpointError extends ScalespaceError {}

/** Long work stopped because its AbortSignal fired. */
export class AbortError extends ScalespaceError {}
