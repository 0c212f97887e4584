import os,sys,collections
pid=sys.argv[1]
tot=collections.Counter()
for t in os.listdir(f'/proc/{pid}/task'):
    try:
        s=open(f'/proc/{pid}/task/{t}/stat').read()
    except: continue
    name=s[s.index('(')+1:s.rindex(')')]
    f=s[s.rindex(')')+2:].split()
    import re
    key=re.sub(r'[-#]?\d+$','',name)
    tot[key]+=int(f[11])+int(f[12])
for k,v in tot.most_common(): print(f"{v/100:8.2f}s {k}")
