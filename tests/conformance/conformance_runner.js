// Runs the converted models of the conformance suite in onnxruntime-node and compares their
// outputs with torch's, for ts2onnx_conformance (one Node process for a whole selection).
//
// Usage: node conformance_runner.js JOB.json RESULT.json
// JOB: {"ortDir": DIR, "cases": [{"id", "model", "data", "inputs": [E], "outputs": [E],
//                                "exact": BOOL}]}
//   E: {"name", "dtype", "shape", "offset", "bytes"}: a raw little-endian array in `data`.
// RESULT: {"<id>": "pass" | "mismatch: ..." | "onnxruntime: ..."}.
// Floats match when |got - want| <= atol + rtol * |want| (rtol 1e-3, atol 1e-5, as torch's
// export tests and `ts2onnx verify`), NaN matching NaN and infinities of the same sign; other
// dtypes must be equal, and so must floats of an `exact` case (quantized models, whose outputs
// are on torch's quantized grid); shapes and dtypes must be the recorded ones.
'use strict';

const fs = require('fs');
const path = require('path');

const RTOL = 1e-3;
const ATOL = 1e-5;

function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * Math.pow(2, -14) * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * Math.pow(2, exp - 15) * (1 + frac / 1024);
}

function typedArray(kArrays, dtype, bytes) {
  const Arr = kArrays[dtype];
  if (!Arr) throw new Error(`dtype ${dtype} is not supported`);
  const data = new Arr(bytes.length / Arr.BYTES_PER_ELEMENT);
  new Uint8Array(data.buffer).set(bytes);
  return data;
}

/// The first difference between an output and the recorded one, or null.
function compare(kArrays, name, got, want, wantBytes, exact) {
  const dims = got.dims.map(Number);
  if (got.type !== want.dtype) return `${name} is ${got.type}, torch gives ${want.dtype}`;
  if (dims.length !== want.shape.length || dims.some((d, i) => d !== want.shape[i]))
    return `${name} has shape [${dims}], torch gives [${want.shape}]`;
  const expected = typedArray(kArrays, want.dtype, wantBytes);
  const actual = got.data;
  if (actual.length !== expected.length)
    return `${name} has ${actual.length} elements, torch gives ${expected.length}`;
  const isFloat = ['float32', 'float64', 'float16'].includes(want.dtype);
  for (let i = 0; i < expected.length; ++i) {
    let a = actual[i];
    let e = expected[i];
    if (want.dtype === 'float16') {
      a = halfToFloat(a);
      e = halfToFloat(e);
    }
    if (!isFloat) {
      if (a !== e) return `${name}[${i}] is ${a}, torch gives ${e}`;
      continue;
    }
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return `${name}[${i}] is ${a}, torch gives ${e}`;
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return `${name}[${i}] is ${a}, torch gives ${e}`;
      continue;
    }
    if (exact ? a !== e : Math.abs(a - e) > ATOL + RTOL * Math.abs(e))
      return `${name}[${i}] is ${a}, torch gives ${e}${exact ? ' (compared exactly)' : ''}`;
  }
  return null;
}

/// The first line of an onnxruntime error, without the work directory (it differs between
/// checkouts, and the expectations file records the message).
function ortMessage(c, e) {
  return String(e && e.message ? e.message : e).split('\n')[0]
      .split(path.dirname(c.model) + path.sep).join('');
}

async function runCase(ort, kArrays, c) {
  const blob = fs.readFileSync(c.data);
  const slice = (e) => blob.subarray(e.offset, e.offset + e.bytes);
  let session;
  try {
    session = await ort.InferenceSession.create(c.model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (e) {
    return `onnxruntime: cannot load the model: ${ortMessage(c, e)}`;
  }
  const feeds = {};
  for (const e of c.inputs) {
    if (!session.inputNames.includes(e.name)) continue; // unused inputs are dropped
    feeds[e.name] = new ort.Tensor(e.dtype, typedArray(kArrays, e.dtype, slice(e)), e.shape);
  }
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    return `onnxruntime: ${ortMessage(c, e)}`;
  }
  const names = session.outputNames;
  if (names.length !== c.outputs.length)
    return `mismatch: ${names.length} outputs, torch gives ${c.outputs.length}`;
  for (let k = 0; k < names.length; ++k) {
    const got = results[names[k]];
    if (typeof got.data === 'string' || Array.isArray(got.data))
      return `onnxruntime: output ${names[k]} is ${got.type}`;
    const diff = compare(kArrays, names[k], got, c.outputs[k], slice(c.outputs[k]), c.exact);
    if (diff) return `mismatch: ${diff}`;
  }
  return 'pass';
}

async function main() {
  if (process.argv.length !== 4) {
    process.stderr.write('usage: node conformance_runner.js JOB.json RESULT.json\n');
    process.exit(2);
  }
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const { loadOrt, kArrays } = require(path.join(__dirname, '..', '..', 'tools', 'ts2onnx',
                                                 'ort_runner.js'));
  const ort = loadOrt(job.ortDir);
  ort.env.logLevel = 'fatal'; // a failing run is reported in the result, not on stderr
  const result = {};
  for (const c of job.cases) {
    try {
      result[c.id] = await runCase(ort, kArrays, c);
    } catch (e) {
      result[c.id] = `onnxruntime: ${ortMessage(c, e)}`;
    }
  }
  fs.writeFileSync(process.argv[3], JSON.stringify(result));
}

main().catch((e) => {
  process.stderr.write(`conformance_runner: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
