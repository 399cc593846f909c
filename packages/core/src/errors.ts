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

/**
 * Long work stopped by the user (Ctrl-C, SIGTERM): pass one as the AbortSignal's reason and the
 * training loop first writes a checkpoint at the last finished step.
 */
export class InterruptedError extends AbortError {}

/** A training output directory cannot be used as asked: it holds another run, is locked, or has nothing to resume. */
export class RunDirectoryError extends ScalespaceError {}

/** The work would need more memory than the backend can give; the message says the largest size that fits. */
export class MemoryLimitError extends ScalespaceError {}

/** A file that configures a run (a JSON config, a model's config.json) is missing or invalid; the message names the file and field. */
export class ConfigError extends ScalespaceError {}
