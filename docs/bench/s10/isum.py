import json,sys,os
for d in sys.argv[1:]:
    try: r=json.load(open(os.path.join(d,'report.json')))
    except Exception as e: print(d,'no report',e); continue
    m=r['serverMemory']; c=r['connect']
    reps=[k for k in m if isinstance(m[k],dict)]
    mem=' | '.join(f"{k}: {m[k].get('rssPerConnectionKiB')} KiB (2s: {round((m[k].get('rssTwoSecondsAfterConnectKiB',0)-m[k].get('rssBaselineKiB',0))/max(1,m[k].get('connections',1)),2)}; idle median: {m[k].get('rssPerConnectionIdleMedianKiB')}) heap {m[k].get('heapPerConnectionKiB')}" for k in reps)
    cpu=c.get('cpu',{})
    print(f"{os.path.basename(d)}: {c.get('perSecond')}/s, sspc={cpu.get('serverSideMicrosPerConnection')} other={cpu.get('machine',{}).get('otherProcessesCores')} || {mem}")
