// bench/models peer: ONNX Runtime (onnxruntime-node, pinned in package.json)
// CPU latency of an ONNX model. usage: node ort_peer.js MODEL.onnx BATCH ITERS
const ort = require('onnxruntime-node');
(async () => {
  const [path, batch, iters] = [process.argv[2], +process.argv[3], +process.argv[4]];
  const s = await ort.InferenceSession.create(path, {executionProviders: ['cpu'], intraOpNumThreads: require('os').cpus().length});
  const n = batch * 3 * 224 * 224, data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 255) / 255;
  const feeds = {[s.inputNames[0]]: new ort.Tensor('float32', data, [batch, 3, 224, 224])};
  const ts = [];
  for (let k = 0; k <= iters; k++) {
    const t0 = process.hrtime.bigint();
    await s.run(feeds);
    if (k) ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  console.log(JSON.stringify({peer: 'onnxruntime', version: require('onnxruntime-node/package.json').version,
                              median_ms: +ts[ts.length >> 1].toFixed(3)}));
})().catch(e => { console.log(JSON.stringify({peer: 'onnxruntime', error: String(e)})); });
