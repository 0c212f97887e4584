#!/usr/bin/env python3
# pstack.py FILE [pattern...]: samples per thread kind, leaf category, and inclusive counts of frames matching patterns
import re,sys,collections
samples=[]; cur=None
for line in open(sys.argv[1],errors='replace'):
    if not line.strip(): 
        if cur: samples.append(cur); cur=None
        continue
    if not line.startswith('\t') and not line.startswith(' '):
        parts=line.split(); cur=[' '.join(parts[:-1]) if len(parts)>1 else parts[0],[]]; continue
    m=re.match(r'\s*[0-9a-f]+ (.*) \((.*)\)\s*$',line)
    if m and cur is not None: cur[1].append((m.group(1),m.group(2)))
if cur: samples.append(cur)
N=len(samples); print('samples',N)
kinds=collections.Counter(re.sub(r'\d+','#',s[0]) for s in samples)
for k,v in kinds.most_common(8): print(f'  thread {k:30s} {v:6d} {100*v/N:5.1f}%')
def cat(fr):
    if not fr: return '?'
    sym,dso=fr[0]
    if 'kernel' in dso: return 'kernel'
    if 'perf-' in dso: return 'interp/stub' if ('Interpreter' in sym or 'Stub' in sym or 'vtable' in sym) else 'java(JIT)'
    if 'libjvm' in dso: return 'libjvm'
    if 'libc' in dso: return 'libc'
    return dso.split('/')[-1][:30]
ev=[s for s in samples if 'eventloo' in s[0]]
print('event-loop samples',len(ev))
for k,v in collections.Counter(cat(s[1]) for s in ev).most_common(): print(f'  leaf {k:20s} {v:6d} {100*v/len(ev):5.1f}%')
for pat in sys.argv[2:]:
    c=sum(1 for s in ev if any(re.search(pat,f[0]) for f in s[1]))
    k=sum(1 for s in ev if any(re.search(pat,f[0]) for f in s[1]) and cat(s[1])=='kernel')
    print(f'  incl {pat:60s} {c:6d} {100*c/len(ev):5.1f}%  (kernel leaf {k})')
