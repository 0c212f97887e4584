import re,sys,collections
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from perfscript import samples as read_samples
# share.py SCRIPT PIDS PAT...: of the replicas' event-loop samples, how many have each pattern on the stack
pids=sys.argv[2].split(','); pats=sys.argv[3:]
samples=read_samples(sys.argv[1])
rep=[s for s in samples if any(any('perf-'+p in f[1] for p in pids) for f in s[1]) or any(' '+p+'/' in s[0] or ' '+p+' ' in s[0] for p in pids)]
ev=[s for s in rep if 'eventloo' in s[0]]
print(f'replica samples {len(rep)}, event-loop samples {len(ev)}')
for p in pats:
    n=sum(1 for s in ev if any(re.search(p,f[0]) for f in s[1]))
    print(f'{p:45s} {n:6d} {100*n/max(1,len(ev)):5.1f}%')
