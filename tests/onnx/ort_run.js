// Runs an ONNX model with ONNX Runtime (bench/models' pinned
// onnxruntime-node) on one float32 input given as raw little-endian bytes,
// and writes each output as <dir>/<index>.bin plus <dir>/meta.json
// ({name, dims} per output). usage: node ort_run.js MODEL IN.bin D0,D1,.. OUTDIR
const path = require('path');
const fs = require('fs');
const ort = require(path.join(__dirname, '../../bench/models/node_modules/onnxruntime-node'));
(async () => {
  const [model, inBin, dims, outDir] = process.argv.slice(2);
  const s = await ort.InferenceSession.create(model, {executionProviders: ['cpu'], graphOptimizationLevel: 'disabled'});
  const buf = fs.readFileSync(inBin);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const shape = dims.split(',').map(Number);
  const res = await s.run({[s.inputNames[0]]: new ort.Tensor('float32', data, shape)});
  const meta = [];
  s.outputNames.forEach((n, i) => {
    const t = res[n];
    fs.writeFileSync(path.join(outDir, i + '.bin'), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    meta.push({name: n, dims: t.dims, type: t.type});
  });
  fs.writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(meta));
})().catch(e => { console.error(String(e)); process.exit(1); });
