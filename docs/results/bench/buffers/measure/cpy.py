import time, itertools, numpy as np, cv2
cv2.setNumThreads(1)
import augwise
from augwise.bench.workloads import REFERENCE_CONFIG
from augwise.core.kernels import warp_into, warp_cold, WarpSpec
d = '/root/.cache/augwise/bench/jpeg-500x375-q90-n2000-c10'
g = augwise.ImageDataGenerator(**REFERENCE_CONFIG)
it = g.flow_from_directory(d, target_size=(224,224), batch_size=32, seed=0, workers=0, cache='memory')
for b in itertools.islice(it, len(it)): pass
cache = it._pipeline.cache if hasattr(it, '_pipeline') else None
print(type(it), [a for a in vars(it) if 'pipe' in a or 'cache' in a])
cache = it.cache
arrs = [v[1].array for v in cache._items.values()]
print(len(arrs), arrs[0].shape, arrs[0].flags['C_CONTIGUOUS'])
def t(f, n=5):
    best=1e9
    for _ in range(n):
        a=time.perf_counter(); f(); best=min(best,time.perf_counter()-a)
    return best/len(arrs)*1e6
print('copy', t(lambda: [a.copy() for a in arrs]))
keep=[]
def held():
    for a in arrs:
        keep.append(a.copy())
        if len(keep) > 64: keep.pop(0)
print('copy held', t(held))
buf = np.empty_like(arrs[0])
print('copyto prealloc', t(lambda: [np.copyto(buf, a) for a in arrs]))
M = np.array([[1.1,0.15,5],[-0.12,1.1,3]])
out = np.empty((224,224,3),np.uint8)
spec = WarpSpec.create('nearest', 0.0, 1)
print('warp direct', t(lambda: [cv2.warpAffine(a, M, (224,224), dst=out, flags=cv2.INTER_LINEAR|cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE) for a in arrs]))
print('warp from prealloc copy', t(lambda: [(np.copyto(buf, a), cv2.warpAffine(buf, M, (224,224), dst=out, flags=cv2.INTER_LINEAR|cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)) for a in arrs]))
print('warp hot', t(lambda: [cv2.warpAffine(buf, M, (224,224), dst=out, flags=cv2.INTER_LINEAR|cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE) for a in arrs]))
print('warp_cold', t(lambda: [warp_cold(a, M, out, spec) for a in arrs]))
print('warp_into', t(lambda: [warp_into(a, M, out, spec) for a in arrs]))
