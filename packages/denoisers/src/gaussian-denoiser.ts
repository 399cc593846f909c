import { InvalidArgumentError, tf } from '@scalespace/core';

export interface GaussianDenoiserOptions {
  /** The data mean, [H, W, C]. */
  mean: tf.Tensor3D;
  /** Eigenvectors of the data covariance as orthonormal columns, [H*W*C, D] (D <= H*W*C). */
  basis: tf.Tensor2D;
  /** Eigenvalues (variances) along the basis vectors, D of them, all > 0. */
  variances: ArrayLike<number>;
  /** The noise std if known; without it each sample's std is estimated by maximum likelihood (blind). */
  sigma?: number;
}

/**
 * The optimal (MMSE) denoiser of Gaussian data x ~ N(mu, U diag(lambda) U^T) in closed form:
 * D(y) = mu + U diag(lambda / (lambda + sigma^2)) U^T (y - mu). Blind by default: sigma^2 is each
 * sample's maximum-likelihood noise variance under y ~ N(mu, Sigma + sigma^2 I), found by fixed-point
 * iteration on the coefficients c = U^T (y - mu). It stands in for a trained network wherever the right
 * answer must be known exactly, e.g. to check that a sampler draws from N(mu, Sigma).
 */
export class GaussianDenoiser {
  readonly mean: tf.Tensor3D;
  readonly basis: tf.Tensor2D;
  readonly variances: Float64Array;
  readonly sigma?: number;

  constructor(options: GaussianDenoiserOptions) {
    const { mean, basis, variances, sigma } = options;
    const size = mean.size;
    if (basis.shape[0] !== size || basis.shape[1] > size || basis.shape[1] !== variances.length) {
      throw new InvalidArgumentError(
        `GaussianDenoiser: basis must be [${size}, D] with D = variances.length = ${variances.length}, got [${basis.shape}]`,
      );
    }
    if (Array.from(variances).some((v) => !(v > 0)))
      throw new InvalidArgumentError('GaussianDenoiser: every variance must be > 0');
    if (sigma !== undefined && !(sigma >= 0)) throw new InvalidArgumentError(`GaussianDenoiser: sigma must be >= 0`);
    this.mean = tf.keep(mean.clone());
    this.basis = tf.keep(basis.clone());
    this.variances = Float64Array.from(variances);
    if (sigma !== undefined) this.sigma = sigma;
  }

  /** Per-sample noise variance: the given sigma^2, or the maximum-likelihood estimate from the coefficients. */
  noiseVariance(coefficients: Float32Array, n: number): Float64Array {
    const d = this.variances.length;
    const out = new Float64Array(n);
    if (this.sigma !== undefined) return out.fill(this.sigma ** 2);
    const lambda = this.variances;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += coefficients[i * d + k] ** 2 - lambda[k];
      s = Math.max(1e-12, s / d);
      for (let iteration = 0; iteration < 50; iteration++) {
        let num = 0;
        let den = 0;
        for (let k = 0; k < d; k++) {
          const w = 1 / (lambda[k] + s) ** 2;
          num += w * (coefficients[i * d + k] ** 2 - lambda[k]);
          den += w;
        }
        const next = Math.max(1e-12, num / den);
        const done = Math.abs(next - s) <= 1e-9 * s;
        s = next;
        if (done) break;
      }
      out[i] = s;
    }
    return out;
  }

  /** The residual f(y) = y - D(y), for `ascentSample`. */
  residual = async (y: tf.Tensor4D): Promise<tf.Tensor4D> => {
    const [n, h, w, c] = y.shape;
    if (h * w * c !== this.mean.size)
      throw new InvalidArgumentError(`GaussianDenoiser: expected images of ${this.mean.shape}, got [${y.shape}]`);
    const coefficients = tf.tidy(() =>
      tf.matMul(tf.reshape(tf.sub(y, this.mean), [n, h * w * c]) as tf.Tensor2D, this.basis),
    );
    const host = (await coefficients.data()) as Float32Array;
    const noise = this.noiseVariance(host, n);
    const d = this.variances.length;
    const shrink = new Float32Array(n * d);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < d; k++) shrink[i * d + k] = noise[i] / (this.variances[k] + noise[i]);
    // The part of y - mu outside the basis span has zero variance in the model: all of it is noise.
    return tf.tidy(() => {
      const centred = tf.reshape(tf.sub(y, this.mean), [n, h * w * c]);
      const keptCoefficients = tf.sub(coefficients, tf.mul(coefficients, tf.tensor2d(shrink, [n, d])));
      const kept = tf.matMul(keptCoefficients, this.basis, false, true);
      coefficients.dispose();
      return tf.reshape(tf.sub(centred, kept), [n, h, w, c]) as tf.Tensor4D;
    });
  };

  /** D(y). */
  async denoise(y: tf.Tensor4D): Promise<tf.Tensor4D> {
    const f = await this.residual(y);
    const out = tf.sub(y, f) as tf.Tensor4D;
    f.dispose();
    return out;
  }

  dispose(): void {
    tf.dispose([this.mean, this.basis]);
  }
}
