import * as tf from '@tensorflow/tfjs';
// Registers the 'wasm' backend (pure WebAssembly, works everywhere Node runs).
import '@tensorflow/tfjs-backend-wasm';
import { ForecastError } from './errors';

/** 'wasm' (default, portable), 'cpu' (pure JS, slow) or 'tensorflow' (native, needs @tensorflow/tfjs-node). */
export type TfBackendName = 'wasm' | 'cpu' | 'tensorflow';

export const TF_BACKENDS: readonly TfBackendName[] = ['wasm', 'cpu', 'tensorflow'];

export function isTfBackendName(s: string): s is TfBackendName {
  return (TF_BACKENDS as readonly string[]).includes(s);
}

// A variable, so bundlers and the type checker do not try to resolve the optional native package.
const TFJS_NODE_MODULE = '@tensorflow/tfjs-node';

/**
 * Selects the TensorFlow.js backend. 'tensorflow' loads @tensorflow/tfjs-node on demand (only where it
 * installs, e.g. production images) and fails with MODEL.BACKEND_UNAVAILABLE when it is missing.
 */
export async function useTfBackend(name: TfBackendName = 'wasm'): Promise<TfBackendName> {
  if (tf.getBackend() === name) return name;
  if (name === 'tensorflow') {
    try {
      await import(TFJS_NODE_MODULE);
    } catch (e) {
      throw new ForecastError(
        'MODEL.BACKEND_UNAVAILABLE',
        `TensorFlow.js backend 'tensorflow' needs the package ${TFJS_NODE_MODULE}, which could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); install it or use 'wasm'`,
        { backend: name },
      );
    }
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new ForecastError(
      'MODEL.BACKEND_UNAVAILABLE',
      `TensorFlow.js backend '${name}' could not be initialised`,
      { backend: name },
    );
  }
  return name;
}
