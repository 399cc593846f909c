import { CheckpointError, InvalidArgumentError } from './errors.js';
import { tf } from './tf.js';

export type StateDict = Record<string, tf.Tensor>;

export interface LoadStateDictOptions {
  /** Require exactly the module's names (default). With false, names missing on either side are skipped. */
  strict?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The base of every network in scalespace: named parameters (trainable tf.Variables), named buffers
 * (state that is saved but not trained, like running statistics) and named child modules. Names
 * are joined with dots (`encoder.blocks.3.conv.weight`), like PyTorch's, so state dicts move between
 * the two.
 *
 * ```ts
 * class Affine extends Module {
 *   readonly weight = this.param('weight', () => tf.ones([4]));
 *   readonly bias = this.param('bias', () => tf.zeros([4]));
 *   forward(x: tf.Tensor) { return tf.add(tf.mul(x, this.weight), this.bias); }
 * }
 * ```
 */
export abstract class Module {
  #params = new Map<string, tf.Variable>();
  #buffers = new Map<string, tf.Variable>();
  #children = new Map<string, Module>();
  #frozen = false;
  /** Training mode (dropout on, batch statistics updated). `eval()` turns it off. */
  training = true;

  /** Registers a trainable parameter. `init` is taken over (not copied) when it is a tensor. */
  protected param(name: string, init: tf.Tensor | (() => tf.Tensor)): tf.Variable {
    return this.#register(this.#params, name, init, true);
  }

  /** Registers a non-trainable tensor that is part of the state dict (running statistics, fixed noise). */
  protected buffer(name: string, init: tf.Tensor | (() => tf.Tensor)): tf.Variable {
    return this.#register(this.#buffers, name, init, false);
  }

  /** Registers a child module under `name` and returns it. */
  protected child<M extends Module>(name: string, module: M): M {
    this.#checkName(name);
    this.#children.set(name, module);
    return module;
  }

  /** Registers a list of child modules as `name.0`, `name.1`, ... and returns it. */
  protected childList<M extends Module>(name: string, modules: M[]): M[] {
    this.#checkName(name);
    for (const [i, m] of modules.entries()) this.#children.set(`${name}.${i}`, m);
    return modules;
  }

  #checkName(name: string) {
    const parts = name.split('.');
    if (!parts.every((p) => NAME.test(p))) {
      throw new InvalidArgumentError(`module member name "${name}" must be an identifier (letters, digits, _)`);
    }
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new InvalidArgumentError(`module member "${name}" is registered twice`);
    }
  }

  #register(
    into: Map<string, tf.Variable>,
    name: string,
    init: tf.Tensor | (() => tf.Tensor),
    trainable: boolean,
  ): tf.Variable {
    this.#checkName(name);
    const value = typeof init === 'function' ? tf.tidy(init) : init;
    const variable = tf.variable(value, trainable && !this.#frozen);
    if (value !== variable) value.dispose();
    into.set(name, variable);
    return variable;
  }

  /** Every parameter with its dotted name, depth first in registration order. */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, v] of this.#params) out.push([prefix + name, v]);
    for (const [name, m] of this.#children) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every buffer with its dotted name. */
  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, v] of this.#buffers) out.push([prefix + name, v]);
    for (const [name, m] of this.#children) out.push(...m.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Child modules with their dotted names (not including this module). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    for (const [name, m] of this.#children) {
      out.push([prefix + name, m], ...m.namedModules(`${prefix}${name}.`));
    }
    return out;
  }

  /** All parameters; the ones an optimizer should update are `trainableParameters()`. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Parameters that are not frozen. */
  trainableParameters(): tf.Variable[] {
    return this.parameters().filter((v) => v.trainable);
  }

  /** Total number of parameter values. */
  numParameters(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Freezes (false) or unfreezes (true) this module and everything below it: frozen parameters get no
   * gradients from `tf.variableGrads` and optimizers leave them alone. CVDVAE freezes its prior this way.
   */
  setTrainable(trainable: boolean): this {
    this.#frozen = !trainable;
    for (const v of this.#params.values()) v.trainable = trainable;
    for (const m of this.#children.values()) m.setTrainable(trainable);
    return this;
  }

  /** Switches training mode (dropout, batch statistics) on for this module and its children. */
  train(on = true): this {
    this.training = on;
    for (const m of this.#children.values()) m.train(on);
    return this;
  }

  /** Switches training mode off. */
  eval(): this {
    return this.train(false);
  }

  #namedVariables(): Array<[string, tf.Variable]> {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  /** Parameters and buffers by dotted name. The tensors are the module's own variables, not copies. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, v] of this.#namedVariables()) out[name] = v;
    return out;
  }

  /**
   * Assigns values from a state dict. Checks every name, shape and dtype first and throws one
   * CheckpointError listing all mismatches; nothing is assigned unless everything matches.
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): void {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [name, v] of Object.entries(own)) {
      const t = state[name];
      if (!t) {
        if (strict) problems.push(`missing "${name}" [${v.shape.join(', ')}] ${v.dtype}`);
        continue;
      }
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        problems.push(
          `"${name}": shape [${t.shape.join(', ')}] in the state dict, [${v.shape.join(', ')}] in the module`,
        );
      } else if (t.dtype !== v.dtype) {
        problems.push(`"${name}": dtype ${t.dtype} in the state dict, ${v.dtype} in the module`);
      }
    }
    if (strict) {
      for (const name of Object.keys(state)) {
        if (!(name in own))
          problems.push(`unexpected "${name}" [${state[name].shape.join(', ')}] (the module has no such parameter)`);
      }
    }
    if (problems.length > 0) {
      throw new CheckpointError(
        `state dict does not match the module (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.join('\n  ')}` +
          (strict ? '\nPass { strict: false } to load only the names both have.' : ''),
      );
    }
    for (const [name, v] of this.#namedVariables()) {
      const t = state[name];
      if (t) v.assign(t);
    }
  }

  /** Releases every parameter and buffer. The module cannot be used afterwards. */
  dispose(): void {
    for (const v of [...this.#params.values(), ...this.#buffers.values()]) v.dispose();
    for (const m of this.#children.values()) m.dispose();
    this.#params.clear();
    this.#buffers.clear();
    this.#children.clear();
  }
}
