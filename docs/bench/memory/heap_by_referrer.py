#!/usr/bin/env python3
"""Who holds what in a heap dump (HPROF, 8-byte ids), per connection: for each named class, its instances grouped by
their chain of referrers (the first referrer found, a few levels up), and with "owner" every object's size charged to
the first non-JDK object above it. Sizes are estimates (object header 12 bytes + fields; arrays with 8-byte refs),
so compare runs with it, and take exact per-class sizes from `jcmd PID GC.class_histogram`.

  jcmd PID GC.heap_dump /tmp/heap.hprof        # live objects only
  heap_by_referrer.py /tmp/heap.hprof 10000 'java.lang.String,java.util.HashMap' 4 owner
  (dump, connections, classes, referrer depth, and "owner" for the breakdown by owner)
Used for docs/benchmarks.md, "Memory per connection, session 7". Needs only Python 3; ~40 s for a 130 MB dump.
"""
import struct,sys,collections
f=open(sys.argv[1],'rb').read()
p=f.index(b'\0')+1
ids=struct.unpack_from('>I',f,p)[0]; p+=12
assert ids==8
names={}; classname={}
cls={}   # class id -> (super, [(name,type)], instsize)
inst_class={}  # obj -> class id
refs_of={}     # obj -> list of refs (only objects)
TS={2:8,4:1,5:2,6:4,7:8,8:1,9:2,10:4,11:8}
prim_name={4:'[Z',5:'[C',6:'[F',7:'[D',8:'[B',9:'[S',10:'[I',11:'[J'}
size={}
arrays_pending=[]
def rd8(p): return struct.unpack_from('>Q',f,p)[0]
N=len(f)
instances=[]
while p<N:
    tag=f[p]; ln=struct.unpack_from('>I',f,p+5)[0]; p+=9; end=p+ln
    if tag==1:
        names[rd8(p)]=f[p+8:end].decode('utf8','replace')
    elif tag==2:
        classname[rd8(p+4)]=rd8(p+16)
    elif tag in (0x0c,0x1c):
        q=p
        while q<end:
            st=f[q]; q+=1
            if st==0xff: q+=8
            elif st==1: q+=16
            elif st==2: q+=16
            elif st==3: q+=16
            elif st==4: q+=12
            elif st==5: q+=8
            elif st==6: q+=12
            elif st==7: q+=8
            elif st==8: q+=16
            elif st==0x20:
                cid=rd8(q); sup=rd8(q+12); isz=struct.unpack_from('>I',f,q+60)[0]; q+=64
                cp=struct.unpack_from('>H',f,q)[0]; q+=2
                for _ in range(cp):
                    t=f[q+2]; q+=3+TS[t]
                ns=struct.unpack_from('>H',f,q)[0]; q+=2
                sr=[]
                for _ in range(ns):
                    t=f[q+8]
                    if t==2:
                        v=rd8(q+9)
                        if v: sr.append(v)
                    q+=9+TS[t]
                refs_of[cid]=sr; inst_class[cid]=('C',cid); size[cid]=0
                ni=struct.unpack_from('>H',f,q)[0]; q+=2
                fl=[]
                for _ in range(ni):
                    fl.append((rd8(q),f[q+8])); q+=9
                cls[cid]=(sup,fl,isz)
            elif st==0x21:
                oid=rd8(q); cid=rd8(q+12); l=struct.unpack_from('>I',f,q+20)[0]; q+=24
                instances.append((oid,cid,q,l)); q+=l
            elif st==0x22:
                oid=rd8(q); n=struct.unpack_from('>I',f,q+12)[0]; acid=rd8(q+16); q+=24
                inst_class[oid]=acid; size[oid]=16+8*n
                r=[x for x in struct.unpack_from('>%dQ'%n,f,q) if x]
                refs_of[oid]=r; q+=8*n
            elif st==0x23:
                oid=rd8(q); n=struct.unpack_from('>I',f,q+12)[0]; t=f[q+16]; q+=17
                inst_class[oid]=('P',t); size[oid]=16+TS[t]*n; q+=TS[t]*n
            else:
                raise Exception('sub %x'%st)
    p=end
# field layouts
layout={}
def lay(cid):
    if cid in layout: return layout[cid]
    out=[]; c=cid
    while c and c in cls:
        out.extend(cls[c][1]); c=cls[c][0]
    layout[cid]=out; return out
def cname(c):
    if isinstance(c,tuple):
        if c[0]=='C': return 'static '+names.get(classname.get(c[1]),'?').replace('/','.')
        return prim_name[c[1]]
    return names.get(classname.get(c),'?%x'%c).replace('/','.')
for oid,cid,q,l in instances:
    inst_class[oid]=cid; size[oid]=cls[cid][2]+12
    r=[]
    for nm,t in lay(cid):
        if t==2:
            v=rd8(q)
            if v: r.append(v)
        q+=TS[t]
    refs_of[oid]=r
# referrer map (first referrer only, but keep count)
referrer={}
for o,rs in refs_of.items():
    for x in rs:
        if x not in referrer: referrer[x]=o
import pickle
def path(o,depth):
    out=[]
    for _ in range(depth):
        o=referrer.get(o)
        if o is None: out.append('ROOT'); break
        out.append(cname(inst_class.get(o,0)))
    return ' <- '.join(out)
targets=sys.argv[3].split(',') if len(sys.argv)>3 else None
depth=int(sys.argv[4]) if len(sys.argv)>4 else 4
n=int(sys.argv[2])
bycls=collections.defaultdict(list)
for o,c in inst_class.items(): bycls[cname(c)].append(o)
for t in targets:
    objs=bycls.get(t,[])
    cnt=collections.Counter(); sz=collections.Counter()
    for o in objs:
        k=path(o,depth); cnt[k]+=1; sz[k]+=size[o]
    print('==',t,len(objs))
    for k,v in cnt.most_common(14):
        if v<n/4: break
        print('  %6.2f/conn %7.1f B/conn  %s'%(v/n, sz[k]/n, k))

if len(sys.argv)>5:
    def owner(o):
        c=inst_class.get(o); 
        for _ in range(12):
            o=referrer.get(o)
            if o is None: return 'ROOT/static'
            nm=cname(inst_class.get(o,0))
            if not (nm.startswith('java.') or nm.startswith('[') or nm.startswith('sun.') or nm.startswith('jdk.')):
                return nm
        return 'deep'
    tot=collections.Counter(); own_cnt=collections.Counter()
    for o,c in inst_class.items():
        nm=cname(c)
        if nm.startswith('java.') or nm.startswith('[') or nm.startswith('sun.') or nm.startswith('jdk.'):
            k=owner(o)+'  (jdk objs)'
        else:
            k=nm
        tot[k]+=size[o]
    print('== by owner, B/conn')
    s=0
    for k,v in tot.most_common(70):
        if v/n<8: break
        print('%7.1f  %s'%(v/n,k))
