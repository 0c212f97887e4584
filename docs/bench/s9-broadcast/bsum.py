import json,sys,os
print("| run | µs per delivery (r1+r2) | delivered/s | p50 / p99 ms | lost | other cores |")
for d in sys.argv[1:]:
    try: r=json.load(open(os.path.join(d,'report.json')))
    except Exception as e: print(d,'no report'); continue
    c=r['cpuSecondsInMeasuredPhase']; l=r['latency']['all']; dl=r['delivery']
    print(f"| {os.path.basename(d)} | {c.get('serverSideMicrosPerDelivery')} | {dl.get('deliveredPerSecondInMeasuredPhase')} | {l['p50Ms']:.1f} / {l['p99Ms']:.1f} | {dl['lost']} | {c['machine']['otherProcessesCores']:.2f} |")
