import time, threading, numpy as np
s = np.float32(1/255)
def work(k, n, res):
    rng = np.random.default_rng(k)
    src = [rng.integers(0,256,(32,224,224,3),dtype=np.uint8) for _ in range(4)]
    out = [np.empty((32,224,224,3),np.float32) for _ in range(4)]
    a = time.perf_counter()
    for i in range(n): np.multiply(src[i%4], s, out=out[i%4], casting='unsafe')
    res[k] = time.perf_counter() - a
for th in (1, 2):
    res = {}
    ts = [threading.Thread(target=work, args=(k, 40, res)) for k in range(th)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print(th, 'threads: cast img/s', round(th*40*32/max(res.values())), 'GB/s written', round(th*40*32*602112/max(res.values())/1e9,1))
big = np.empty(256*2**20, np.uint8); big2 = np.empty_like(big); big.fill(1); big2.fill(2)
a=time.perf_counter(); np.copyto(big2, big); print('copy 256MB GB/s', round(256*2**20/(time.perf_counter()-a)/1e9,1))
