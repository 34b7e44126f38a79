// Median onnxruntime latency of ONNX models on one random float32 input (bench_convert.sh).
// Usage: node ort_latency.js ORT_DIR RUNS SHAPE MODEL.onnx...   (SHAPE like 1,3,224,224)
// Prints one line per model: "<model> <median ms> <min ms>". One intra-op thread, so that the
// two files are compared on equal terms on a shared machine.
'use strict';
const path = require('path');

async function main() {
  const [ortDir, runsText, shapeText, ...models] = process.argv.slice(2);
  const ort = require(path.join(ortDir, 'node_modules', 'onnxruntime-node'));
  const runs = Number(runsText);
  const dims = shapeText.split(',').map(Number);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; ++i) data[i] = Math.sin(i) * 0.5;
  for (const model of models) {
    const session = await ort.InferenceSession.create(
        model, {intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all'});
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
    for (let i = 0; i < 3; ++i) await session.run(feeds); // warm up
    const times = [];
    for (let i = 0; i < runs; ++i) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`${model} ${times[Math.floor(times.length / 2)].toFixed(2)} ${times[0].toFixed(2)}`);
  }
}

main().catch((e) => {
  process.stderr.write(`ort_latency: ${e.message}\n`);
  process.exit(1);
});
