import { type FeatureRow } from './features';
import { dayAheadHorizon } from './horizons';
import { type QuantileModel, loadQuantileModel, trainQuantileModel } from './model';
import { useTfBackend } from './backend';
import { mulberry32 } from './model';

function toyData(n: number): { rows: FeatureRow[]; actual: number[] } {
  const rng = mulberry32(1);
  const rows: FeatureRow[] = [];
  const actual: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = rng() * 4 - 2;
    const base = 100 + 10 * Math.sin(i / 10);
    rows.push({ originMs: i, targetMs: i, features: Float64Array.from([x, rng()]), base });
    actual.push(base + 5 * x + (1 + Math.abs(x)) * (rng() - 0.5) * 4);
  }
  return { rows, actual };
}

describe('quantile model', () => {
  const { rows, actual } = toyData(1500);
  const input = {
    rows,
    actual,
    horizon: dayAheadHorizon(),
    stepMs: 900_000,
    features: ['x', 'noise'],
    exogenous: [],
  };
  let model: QuantileModel;

  beforeAll(async () => {
    await useTfBackend('wasm');
    model = await trainQuantileModel(input, { seed: 3, maxEpochs: 15, hiddenUnits: [16, 16] });
  });
  afterAll(() => model.dispose());

  it('learns the signal and never crosses quantiles', () => {
    const f = model.predict(rows);
    let abs = 0;
    f.forEach((q, i) => {
      expect(q.p10).toBeLessThanOrEqual(q.p50);
      expect(q.p50).toBeLessThanOrEqual(q.p90);
      abs += Math.abs(q.p50 - (actual[i] ?? 0));
    });
    expect(abs / f.length).toBeLessThan(2.5); // noise-only MAE is about 1.5; ignoring x gives about 5
  });

  it('is deterministic for a seed', async () => {
    const again = await trainQuantileModel(input, { seed: 3, maxEpochs: 15, hiddenUnits: [16, 16] });
    expect(again.predict(rows.slice(0, 20))).toEqual(model.predict(rows.slice(0, 20)));
    again.dispose();
  });

  it('round-trips through the JSON artefact', async () => {
    const artefact = await model.toArtefact({ mae: 1 });
    const json = JSON.parse(JSON.stringify(artefact)) as unknown;
    const restored = await loadQuantileModel(json);
    expect(restored.metadata.features).toEqual(['x', 'noise']);
    expect(restored.metadata.metrics).toEqual({ mae: 1 });
    expect(restored.metadata.horizon).toEqual(dayAheadHorizon());
    const a = model.predict(rows.slice(0, 50));
    const b = restored.predict(rows.slice(0, 50));
    b.forEach((q, i) => expect(q.p50).toBeCloseTo(a[i]?.p50 ?? Number.NaN, 6));
    restored.dispose();
    await expect(loadQuantileModel({ format: 'other' })).rejects.toThrow('MODEL.BAD_ARTEFACT');
  });

  it('applies the L2 penalty in its own training loop (smaller weights than without)', async () => {
    const sumOfSquares = async (l2: number): Promise<number> => {
      const m = await trainQuantileModel(input, {
        seed: 3,
        maxEpochs: 20,
        patience: 20,
        learningRate: 0.02,
        hiddenUnits: [16, 16],
        l2,
      });
      const artefact = await m.toArtefact();
      m.dispose();
      const bytes = Buffer.from(artefact.weightsBase64, 'base64');
      const w = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      // Hidden-layer kernels only (the penalised weights): every kernel but the output layer's.
      let offset = 0;
      let sum = 0;
      artefact.weightSpecs.forEach((spec, i) => {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        const hiddenKernel = spec.name.endsWith('kernel') && i < artefact.weightSpecs.length - 2;
        if (hiddenKernel) for (let j = offset; j < offset + size; j++) sum += (w[j] ?? 0) ** 2;
        offset += size;
      });
      return sum;
    };
    expect(await sumOfSquares(1)).toBeLessThan(0.5 * (await sumOfSquares(0)));
  });

  it('calibrates P10–P90 to about 80 % on later data of the same process', () => {
    const later = toyData(3000);
    const f = model.predict(later.rows.slice(1500));
    const inside = f.filter((q, i) => {
      const a = later.actual[1500 + i] ?? Number.NaN;
      return a >= q.p10 && a <= q.p90;
    }).length;
    expect(inside / f.length).toBeGreaterThan(0.7);
    expect(inside / f.length).toBeLessThan(0.9);
  });

  it("predicts the residual over the 1-day persistence with base 'persistence1d'", async () => {
    // The load follows base1d exactly, plus noise; base (7 d) is far off. A net that outputs ~0 on top of
    // the right base is good; the same net on top of the wrong base is not.
    const rng = mulberry32(9);
    const rows1d: FeatureRow[] = [];
    const actual1d: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const base1d = 100 + 40 * Math.sin(i / 7);
      rows1d.push({ originMs: i, targetMs: i, features: Float64Array.from([rng()]), base: 100, base1d });
      actual1d.push(base1d + (rng() - 0.5) * 2);
    }
    const opts = { seed: 3, maxEpochs: 5, hiddenUnits: [8] };
    const m = await trainQuantileModel(
      { ...input, rows: rows1d, actual: actual1d, base: 'persistence1d' },
      opts,
    );
    expect(m.metadata.base).toBe('persistence1d');
    const mae = (ms: QuantileModel): number =>
      ms.predict(rows1d).reduce((s, q, i) => s + Math.abs(q.p50 - (actual1d[i] ?? 0)), 0) / rows1d.length;
    const on1d = mae(m);
    m.dispose();
    const m7 = await trainQuantileModel({ ...input, rows: rows1d, actual: actual1d }, opts);
    expect(m7.metadata.base).toBe('persistence7d');
    const on7d = mae(m7);
    m7.dispose();
    expect(on1d).toBeLessThan(1.5);
    expect(on7d).toBeGreaterThan(5);
  });

  it("fails clearly when the 'tensorflow' backend is not installed", async () => {
    await expect(useTfBackend('tensorflow')).rejects.toThrow(/MODEL.BACKEND_UNAVAILABLE.*tfjs-node/);
  });
});
