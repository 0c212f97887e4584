#!/usr/bin/env python3
"""Per-class heap per connection: histogram_diff.py histo0.txt histoN.txt CONNECTIONS [ROWS] (jcmd GC.class_histogram outputs)."""
import sys,re
def load(p):
    d={}
    for l in open(p):
        m=re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)',l)
        if m: d[m.group(3)]=(int(m.group(1)),int(m.group(2)))
    return d
a=load(sys.argv[1]); b=load(sys.argv[2]); n=int(sys.argv[3]); top=int(sys.argv[4]) if len(sys.argv)>4 else 60
rows=[]
for k in set(a)|set(b):
    ia,ba=a.get(k,(0,0)); ib,bb=b.get(k,(0,0))
    rows.append((bb-ba,ib-ia,k))
rows.sort(reverse=True)
tot=sum(r[0] for r in rows)
print(f"total delta {tot} bytes = {tot/n:.1f} B/conn")
for db,di,k in rows[:top]:
    print(f"{db/n:8.1f} B/conn {di/n:6.2f} inst/conn  {k}")
