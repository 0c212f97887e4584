"""Reads `perf script` output (perf record -g with a JIT perf map): samples as (header line, [(symbol, module), ...])."""
import re


def samples(path):
    out = []
    cur = None
    for line in open(path, errors='replace'):
        if not line.strip():
            if cur:
                out.append(cur)
            cur = None
            continue
        if not line[0].isspace():
            cur = [line, []]
            continue
        m = re.match(r'\s*[0-9a-f]+ (.*) \((.*)\)\s*$', line)
        if m and cur is not None:
            cur[1].append((m.group(1), m.group(2)))
    if cur:
        out.append(cur)
    return out
