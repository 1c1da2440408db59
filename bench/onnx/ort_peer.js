// The ONNX Runtime peer of bench/onnx and bench/models: CPU latency of an
// ONNX model on its fixed input shape (or D0,D1,... when it is dynamic),
// with bench/models' pinned onnxruntime-node.
// usage: node ort_peer.js MODEL.onnx ITERS [D0,D1,...]
const path = require('path');
const ort = require(path.join(__dirname, '../models/node_modules/onnxruntime-node'));
(async () => {
  const [file, iters] = [process.argv[2], +process.argv[3]];
  const s = await ort.InferenceSession.create(file, {executionProviders: ['cpu'], intraOpNumThreads: require('os').cpus().length});
  const meta = s.inputMetadata ? s.inputMetadata[0] : null;
  let shape = meta && meta.shape ? meta.shape.map(d => (typeof d === 'number' && d > 0 ? d : 1)) : null;
  if (!shape) shape = process.argv[4].split(',').map(Number);
  const n = shape.reduce((a, b) => a * b, 1), data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 255) / 255;
  const feeds = {[s.inputNames[0]]: new ort.Tensor('float32', data, shape)};
  const ts = [];
  for (let k = 0; k <= iters; k++) {
    const t0 = process.hrtime.bigint();
    await s.run(feeds);
    if (k) ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  console.log(JSON.stringify({model: path.basename(file), peer: 'onnxruntime',
                              version: require(path.join(__dirname, '../models/node_modules/onnxruntime-node/package.json')).version,
                              median_ms: +ts[ts.length >> 1].toFixed(3)}));
})().catch(e => console.log(JSON.stringify({model: path.basename(process.argv[2]), peer: 'onnxruntime', error: String(e)})));
