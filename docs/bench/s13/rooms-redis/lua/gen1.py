import sys, random
# RESP file of N EVALSHA calls of history_publish_batch (one message each) over R rooms, realistic sizes
sha, N, R = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def resp(args):
    out = ['*%d\r\n' % len(args)]
    for a in args:
        b = a.encode()
        out.append('$%d\r\n' % len(b)); out.append(a); out.append('\r\n')
    return ''.join(out)
random.seed(1)
lines = []
for i in range(N):
    r = i % R
    before = '{"v":1,"type":"message","room":"room-%d","from":"user-%d","id":"%016x","ts":%d,"position":"' % (r, r*5+i%5, random.getrandbits(64), 1796700000000+i)
    after = '","payload":{"text":"%s","seq":%d}}' % ('x'*100, i)
    lines.append(resp(['EVALSHA', sha, '2', 's:{room-%d}' % r, 'm:{room-%d}' % r, 'r:room-%d' % r, before, after, '1000', '3600', 'ep%06d' % r, 'publish', '1796700000']))
sys.stdout.write(''.join(lines))
