import cProfile, pstats, time, sys, itertools
import numpy as np, cv2
cv2.setNumThreads(1)
import augwise
from augwise.bench.workloads import REFERENCE_CONFIG
d = '/root/.cache/augwise/bench/jpeg-500x375-q90-n2000-c10'
mode = sys.argv[1]
if mode == 'cached':
    g = augwise.ImageDataGenerator(**REFERENCE_CONFIG)
    it = g.flow_from_directory(d, target_size=(224,224), batch_size=32, seed=0, workers=0, cache='memory')
    n = len(it)
    for b in itertools.islice(it, n): pass
else:
    x = np.load("/root/.cache/augwise/bench/arrays-full/photos224.npy", mmap_mode=None).astype(np.float32)
    import glob; print(glob.glob('/root/.cache/augwise/bench/arrays-full/*'))
    g = augwise.ImageDataGenerator(**REFERENCE_CONFIG)
    it = g.flow(x, batch_size=32, seed=0, workers=0)
    n = len(it)
pr = cProfile.Profile()
s = time.perf_counter()
pr.enable()
for b in itertools.islice(it, n): pass
pr.disable()
el = time.perf_counter() - s
print('img/s', n*32/el)
pstats.Stats(pr).sort_stats('tottime').print_stats(18)
print('pool', it.pipeline.buffers.made, it.pipeline.buffers.reused, {k: len(v) for k, v in it.pipeline.buffers._lists.items()})
