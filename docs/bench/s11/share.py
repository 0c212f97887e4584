import re,sys,collections
# share.py SCRIPT PIDS PAT...: of the replicas' event-loop samples, how many have each pattern on the stack
pids=sys.argv[2].split(','); pats=sys.argv[3:]
samples=[];cur=None
for line in open(sys.argv[1],errors='replace'):
    if not line.strip():
        if cur: samples.append(cur); cur=None
        continue
    if not line[0].isspace(): cur=[line,[]]; continue
    m=re.match(r'\s*[0-9a-f]+ (.*) \((.*)\)\s*$',line)
    if m and cur is not None: cur[1].append((m.group(1),m.group(2)))
rep=[s for s in samples if any(any('perf-'+p in f[1] for p in pids) for f in s[1]) or any(' '+p+'/' in s[0] or ' '+p+' ' in s[0] for p in pids)]
ev=[s for s in rep if 'eventloo' in s[0]]
print(f'replica samples {len(rep)}, event-loop samples {len(ev)}')
for p in pats:
    n=sum(1 for s in ev if any(re.search(p,f[0]) for f in s[1]))
    print(f'{p:45s} {n:6d} {100*n/max(1,len(ev)):5.1f}%')
