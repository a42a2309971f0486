from augwise.bench.quality import measure_quality
rows = measure_quality('/root/.cache/augwise/bench/jpeg-500x375-q90-n2000-c10', 64, keras=False)
for r in rows: print(r['mode'], r['interpolation'], round(r['psnr'],2), round(r['ssim'],4))
