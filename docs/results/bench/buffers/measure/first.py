import cProfile, pstats, time, sys, itertools
import numpy as np, cv2
cv2.setNumThreads(1)
import augwise
from augwise.bench.workloads import REFERENCE_CONFIG
d = '/root/.cache/augwise/bench/jpeg-500x375-q90-n2000-c10'
g = augwise.ImageDataGenerator(**REFERENCE_CONFIG)
it = g.flow_from_directory(d, target_size=(224,224), batch_size=32, seed=0, workers=0)
n = 40
for b in itertools.islice(it, 3): pass
pr = cProfile.Profile()
s = time.perf_counter()
if len(sys.argv) > 1: pr.enable()
for b in itertools.islice(it, n): pass
pr.disable()
el = time.perf_counter() - s
print('img/s', n*32/el, 'us/img', el/n/32*1e6)
if len(sys.argv) > 1: pstats.Stats(pr).sort_stats('tottime').print_stats(40)
