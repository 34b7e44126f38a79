// Runs an ONNX model in onnxruntime (the onnxruntime-node package) for `ts2onnx verify`.
//
// Usage: node ort_runner.js JOB.json
// JOB: {"ortDir": DIR, "ortSearched": [DIR...], "model": FILE, "outputDir": DIR,
//       "inputs": [{"name", "file", "dtype", "dims"}]}
// Input files hold raw little-endian data. Writes outputDir/output_<i>.bin (raw) for every model
// output and outputDir/result.json: {"outputs": [{"name", "dtype", "dims", "file"}]}.
// Errors: one line on stderr, exit code 1.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write(`ort_runner: ${String(msg).replace(/\s*\n\s*/g, '; ')}\n`);
  process.exit(1);
}

function loadOrt(dir, searched) {
  const candidates = [];
  if (dir) {
    candidates.push(path.join(dir, 'node_modules', 'onnxruntime-node'));
    candidates.push(dir);
  }
  candidates.push('onnxruntime-node');
  const errors = [];
  for (const c of candidates) {
    try {
      return require(c);
    } catch (e) {
      errors.push(`${c}: ${e.message.split('\n')[0]}`);
    }
  }
  const where = (searched || []).filter((d) => d);
  const target = where.length ? where[0] : 'DIR';
  fail(`onnxruntime-node not found (looked in ${where.length ? where.join(', ') + ' and ' : ''}` +
       `Node's module path): install it with \`npm install --prefix ${target} ` +
       `onnxruntime-node\` (scripts/install-deps.sh does this for a build tree), or set ` +
       `TS2ONNX_ORT_DIR to a directory holding node_modules/onnxruntime-node` +
       (dir ? ` (${errors[0]})` : ''));
}

const kArrays = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

async function main() {
  if (process.argv.length !== 3) fail('usage: node ort_runner.js JOB.json');
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const ort = loadOrt(job.ortDir, job.ortSearched);
  const feeds = {};
  for (const input of job.inputs) {
    const Arr = kArrays[input.dtype];
    if (!Arr) fail(`input '${input.name}': dtype ${input.dtype} is not supported`);
    const bytes = fs.readFileSync(input.file);
    const numel = input.dims.reduce((a, b) => a * b, 1);
    if (bytes.length !== numel * Arr.BYTES_PER_ELEMENT)
      fail(`input '${input.name}': ${input.file} has ${bytes.length} bytes, expected ` +
           `${numel * Arr.BYTES_PER_ELEMENT} for ${input.dtype}[${input.dims}]`);
    // Copy into an aligned buffer of the right type.
    const data = new Arr(numel);
    new Uint8Array(data.buffer).set(bytes);
    feeds[input.name] = new ort.Tensor(input.dtype, data, input.dims);
  }
  let session;
  try {
    session = await ort.InferenceSession.create(job.model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // errors only: no warnings about initializers listed as inputs
    });
  } catch (e) {
    fail(`onnxruntime cannot load ${job.model}: ${e.message}`);
  }
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    fail(`onnxruntime failed to run ${job.model}: ${e.message}`);
  }
  const outputs = [];
  session.outputNames.forEach((name, i) => {
    const t = results[name];
    if (typeof t.data === 'string' || Array.isArray(t.data))
      fail(`output '${name}': ${t.type} tensors are not supported`);
    const file = path.join(job.outputDir, `output_${i}.bin`);
    fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    outputs.push({ name, dtype: t.type, dims: t.dims.map(Number), file });
  });
  fs.writeFileSync(path.join(job.outputDir, 'result.json'), JSON.stringify({ outputs }));
}

if (require.main === module)
  main().catch((e) => fail(e && e.stack ? e.stack.split('\n')[0] : String(e)));

// Shared with tests/conformance/conformance_runner.js.
module.exports = { loadOrt, kArrays };
