"""differential.py HEAPVIZ N SEED - heapviz --headless --ostep against the real
malloc.py (OSTEP, vm-freespace/malloc.py; path in HEAPVIZ_MALLOC_PY, default
/work/ref/malloc.py) over N random flag combinations: stdout byte for byte,
exit status 0 or not, one stderr line when heapviz stops. Exit 77 (skipped)
where python3 or malloc.py is missing."""
import random, subprocess, sys, os, shutil
H = sys.argv[1]; N = int(sys.argv[2]); seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
MALLOC_PY = os.environ.get('HEAPVIZ_MALLOC_PY', '/work/ref/malloc.py')
if not shutil.which('python3') or not os.path.exists(MALLOC_PY):
    print('SKIPPED: python3 or malloc.py (HEAPVIZ_MALLOC_PY=%s) not found' % MALLOC_PY)
    sys.exit(77)
R = random.Random(seed)
def num(lo, hi, weird=0.05):
    v = R.randint(lo, hi)
    if R.random() < weird: v = R.choice([0, -1, -5, 10**6, -(10**3)])
    return v
def fmt(v):
    r = R.random()
    if v >= 0 and r < 0.05: return oct(v).replace('0o', '0') if v else '0'
    if v >= 0 and r < 0.08: return hex(v)
    return str(v)
def opt(short, long, val):
    f = R.random()
    if val is None:
        return [short] if f < 0.6 else [long]
    if f < 0.4: return [short, val]
    if f < 0.6: return [short + val]
    if f < 0.8: return [long, val]
    return [long + '=' + val]
def oplist():
    ops = []; n = R.randint(1, 25); allocs = 0
    for _ in range(n):
        if R.random() < 0.55 or allocs == 0:
            ops.append('+' + str(R.randint(1 if R.random() < 0.97 else 0, 40))); allocs += 1
        else:
            ops.append('-' + str(R.randint(0, allocs + 1)))
    if R.random() < 0.03: ops.insert(R.randint(0, len(ops)), R.choice(['', 'x3', '+', '-', '++2', '+1+2', '-1-2', '+ 4', '+0x3', '+-3']))
    return ','.join(ops)
def combo():
    a = []
    if R.random() < 0.8: a += opt('-s', '--seed', fmt(R.choice([R.randint(0, 100), R.randint(-10**6, 10**6), R.randint(-2**80, 2**80)])))
    if R.random() < 0.6: a += opt('-S', '--size', fmt(num(10, 300)))
    if R.random() < 0.4: a += opt('-b', '--baseAddr', fmt(num(-2000, 5000)))
    if R.random() < 0.5: a += opt('-H', '--headerSize', fmt(num(0, 8)))
    if R.random() < 0.5: a += opt('-a', '--alignment', str(R.choice([-1, 1, 2, 4, 8, 3, 16] + ([0, -2] if R.random() < 0.1 else []))))
    if R.random() < 0.7: a += opt('-p', '--policy', R.choice(['BEST', 'WORST', 'FIRST'] + (['best', 'NEXT'] if R.random() < 0.05 else [])))
    if R.random() < 0.7: a += opt('-l', '--listOrder', R.choice(['ADDRSORT', 'SIZESORT+', 'SIZESORT-', 'INSERT-FRONT', 'INSERT-BACK'] + (['SIZESORT'] if R.random() < 0.05 else [])))
    if R.random() < 0.5: a += opt('-C', '--coalesce', None)
    if R.random() < 0.6: a += opt('-n', '--numOps', fmt(num(0, 120)))
    if R.random() < 0.5: a += opt('-r', '--range', fmt(num(1, 50)))
    if R.random() < 0.5: a += opt('-P', '--percentAlloc', fmt(num(1, 100)))
    if R.random() < 0.35: a += opt('-A', '--allocList', oplist())
    if R.random() < 0.5: a += opt('-c', '--compute', None)
    if R.random() < 0.01: a += [R.choice(['-x', '--bogus', '--s', '-s', '--seed=abc', '-c=1' , 'extra', '--'])]
    return a
env = dict(os.environ); env.pop('COLUMNS', None)
bad = 0; counts = {'ok': 0, 'err': 0}
for i in range(N):
    a = combo()
    p = subprocess.run(['python3', MALLOC_PY] + a, capture_output=True, env=env)
    h = subprocess.run([H, '--headless', '--ostep'] + a, capture_output=True, env=env)
    same = p.stdout == h.stdout and (p.returncode == 0) == (h.returncode == 0)
    if h.returncode != 0:
        same = same and h.stderr.count(b'\n') == 1 and h.returncode in (1, 2)
    else:
        same = same and h.stderr == b''
    counts['ok' if p.returncode == 0 else 'err'] += 1
    if not same:
        bad += 1
        if bad <= 5:
            print('MISMATCH', a, p.returncode, h.returncode, h.stderr[:300], p.stderr[-200:])
print('cases', N, 'mismatches', bad, counts)
sys.exit(1 if bad else 0)
