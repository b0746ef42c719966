const N = 100000;
const collect = () => { for (let i = 0; i < 4; i++) gc(); };
const variants = {
  closurePerTask: () => { const w = []; for (let i = 0; i < N; i++) (async () => { await new Promise((r) => w.push(r)); })(); return w; },
  sharedFn: () => { const w = []; const f = async () => { await new Promise((r) => w.push(r)); }; for (let i = 0; i < N; i++) f(); return w; },
  promiseOnly: () => { const w = []; for (let i = 0; i < N; i++) new Promise((r) => w.push(r)); return w; },
  promiseThen: () => { const w = []; for (let i = 0; i < N; i++) new Promise((r) => w.push(r)).then(() => {}); return w; },
  closures: () => { const w = []; for (let i = 0; i < N; i++) w.push(() => i); return w; },
  withResolvers: () => { const w = []; const f = async () => { const d = {}; d.p = new Promise((r) => { d.r = r; }); w.push(d.r); await d.p; }; for (let i = 0; i < N; i++) f(); return w; },
};
const v = variants[process.argv[2]];
for (let i = 0; i < 3; i++) { await new Promise(r => setTimeout(r, 1)); }
collect(); const b = process.memoryUsage().heapUsed;
const k = v();
for (let i = 0; i < 3; i++) { await new Promise(r => setTimeout(r, 1)); }
collect(); const a = process.memoryUsage().heapUsed;
console.log(process.argv[2], (a - b) / N, k.length);
