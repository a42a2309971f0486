import glob, time
import numpy as np, cv2, simplejpeg
cv2.setNumThreads(1)
from augwise.io.decode import read_bytes
paths = sorted(glob.glob('/root/.cache/augwise/bench/jpeg-500x375-q90-n2000-c10/*/*.jpg'))[:300]
datas = [read_bytes(p) for p in paths]
def t(f, n=5):
    best = 1e9
    for _ in range(n):
        s = time.perf_counter(); f(); best = min(best, time.perf_counter() - s)
    return best / len(datas) * 1e6
cases = {'full': {}, '6/8': dict(min_height=281, min_width=281), '7/8': dict(min_height=329, min_width=329), '5/8': dict(min_height=234, min_width=234), '1/2': dict(min_factor=2, min_height=188, min_width=250)}
for r in range(3):
    print(r, {k: round(t(lambda: [simplejpeg.decode_jpeg(x, colorspace='RGB', **kw) for x in datas])) for k, kw in cases.items()})
