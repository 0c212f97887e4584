import re,sys,collections
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from perfscript import samples as read_samples
# callers.py SCRIPT PIDS PATTERN [depth]: for replica samples containing PATTERN, the chain of Java frames above it
pids=sys.argv[2].split(','); pat=sys.argv[3]; depth=int(sys.argv[4]) if len(sys.argv)>4 else 6
samples=read_samples(sys.argv[1])
ev=[s for s in samples if 'eventloo' in s[0] and any(any('perf-'+p in f[1] for p in pids) for f in s[1])]
c=collections.Counter()
for s in ev:
    fr=s[1]
    idx=[i for i,f in enumerate(fr) if re.search(pat,f[0])]
    if not idx: continue
    i=idx[-1]
    chain=[re.sub(r'\+0x[0-9a-f]+','',re.sub(r'\(.*?\)','',f[0])).split()[-1][-60:] for f in fr[i+1:] if 'perf-' in f[1]][:depth]
    c[' < '.join(chain)]+=1
tot=sum(c.values()); print('samples with',pat,tot,'of',len(ev))
for k,v in c.most_common(15): print(f'{v:5d} {k}')
