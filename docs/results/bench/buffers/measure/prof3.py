import glob, time
import numpy as np, cv2, simplejpeg
cv2.setNumThreads(1)
from augwise.io.decode import read_bytes
paths = sorted(glob.glob('/root/.cache/augwise/bench/jpeg-500x375-q90-n2000-c10/*/*.jpg'))[:300]
datas = [read_bytes(p) for p in paths]
def t(f, n=7):
    best = 1e9
    for _ in range(n):
        s = time.perf_counter(); f(); best = min(best, time.perf_counter() - s)
    return best / len(datas) * 1e6
cases = {
 'full': dict(),
 'full fast': dict(fastdct=True, fastupsample=True),
 'full fastups': dict(fastupsample=True),
 '7/8': dict(min_height=329, min_width=329),
 '6/8': dict(min_height=281, min_width=281),
 '6/8 fastups': dict(min_height=281, min_width=281, fastupsample=True),
 '5/8': dict(min_height=234, min_width=234),
 '1/2': dict(min_factor=2, min_height=188, min_width=250),
}
for r in range(2):
    for k, kw in cases.items():
        print(r, k, simplejpeg.decode_jpeg(datas[0], colorspace='RGB', **kw).shape, round(t(lambda: [simplejpeg.decode_jpeg(x, colorspace='RGB', **kw) for x in datas])))
