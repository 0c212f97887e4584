import json,sys,glob,os
# usage: rsum.py RATE DURATION dirs...
rate=float(sys.argv[1]); dur=float(sys.argv[2])
print("| run | server CPU per message (r1+r2) | user/sys | Redis CPU per message | p50 / p99 ms | delivered/expected, lost, dup | other cores |")
for d in sys.argv[3:]:
    try: r=json.load(open(os.path.join(d,'report.json')))
    except Exception as e: print(d,'no report',e); continue
    c=r['cpuSecondsInMeasuredPhase']; n=rate*dur
    srv=c['r1']['cpuSeconds']+c['r2']['cpuSeconds']; us=c['r1']['userSeconds']+c['r2']['userSeconds']; sy=c['r1']['systemSeconds']+c['r2']['systemSeconds']
    l=r['latency']['all']; dl=r['delivery']
    print(f"| {os.path.basename(d)} | {srv/n*1e6:,.0f} µs | {us/n*1e6:,.0f}/{sy/n*1e6:,.0f} | {c['redis']['cpuSeconds']/n*1e6:,.0f} µs | {l['p50Ms']:.2f} / {l['p99Ms']:.1f} | {dl['received']}/{dl['expected']}, {dl['lost']}, {dl['duplicated']} | {c['machine']['otherProcessesCores']:.2f} |")
