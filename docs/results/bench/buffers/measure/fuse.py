import time, numpy as np, cv2
cv2.setNumThreads(1)
rng = np.random.default_rng(0)
srcs = [rng.integers(0,256,(280,280,3),dtype=np.uint8) for _ in range(64)]
M = np.array([[1.1,0.15,5],[-0.12,1.1,3]])
s = np.float32(1/255)
stages = [np.empty((32,224,224,3),np.uint8) for _ in range(2)]
outs = [np.empty((32,224,224,3),np.float32) for _ in range(2)]
def sep(k):
    st, out = stages[k%2], outs[k%2]
    for i in range(32):
        cv2.warpAffine(srcs[(k*32+i)%64], M, (224,224), dst=st[i], flags=cv2.INTER_LINEAR|cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    np.multiply(st, s, out=out, casting='unsafe')
def fused(k):
    st, out = stages[k%2], outs[k%2]
    for i in range(32):
        cv2.warpAffine(srcs[(k*32+i)%64], M, (224,224), dst=st[i], flags=cv2.INTER_LINEAR|cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        np.multiply(st[i], s, out=out[i], casting='unsafe')
def warponly(k):
    st = stages[k%2]
    for i in range(32):
        cv2.warpAffine(srcs[(k*32+i)%64], M, (224,224), dst=st[i], flags=cv2.INTER_LINEAR|cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
for r in range(3):
    for f in (sep, fused, warponly):
        a = time.perf_counter()
        for k in range(20): f(k)
        print(f.__name__, round((time.perf_counter()-a)/640*1e6,1), end='  ')
    print()
