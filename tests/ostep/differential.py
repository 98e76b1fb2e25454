"""differential.py HEAPVIZ N SEED [GOLDEN_FOLDER] - heapviz --headless --ostep
against the real malloc.py (OSTEP, vm-freespace/malloc.py; path in
HEAPVIZ_MALLOC_PY, default /work/ref/malloc.py).

N random flag combinations, seeded by SEED. Case i takes list order, -C, -c
and policy from a fixed cycle (so any 60 consecutive cases hold all 60 of
their combinations) and the rest at random: -s (negative, beyond 2^64), -S,
-b, -H, -a, -n, -r, -P, -A op lists (one case in 8 at the edges: tiny or
negative heaps and headers, sizes <= 0), short / long / --name=value / octal and
hex forms, and now and then a value or flag malloc.py refuses. For each:
  - stdout byte for byte;
  - where malloc.py succeeds: heapviz exits 0 with nothing on stderr;
  - where malloc.py stops: heapviz exits 2 for a bad flag (optparse's usage
    error, or an assertion on a flag) or 1 for a bad -A list (a Python error
    while reading an op), with exactly one line on stderr, no traceback.
With GOLDEN_FOLDER, every hand-checked case there (test_ostep_golden.c) run
as plain `--headless --ostep FLAGS` is also run through malloc.py, and its
expected stdout must be malloc.py's.

malloc.py runs in a forked copy of this process (the interpreter is
started once, not N times): the child sets sys.argv, runs the file as
__main__ with its stdout and stderr on pipes, and exits as python3 would (2
from optparse, 1 on an uncaught exception). Exit 77 (skipped) where
malloc.py is missing. Prints a coverage count of what the cases held.
"""
import os, random, subprocess, sys, traceback

MALLOC_PY = os.environ.get('HEAPVIZ_MALLOC_PY', '/work/ref/malloc.py')
ORDERS = ['ADDRSORT', 'SIZESORT+', 'SIZESORT-', 'INSERT-FRONT', 'INSERT-BACK']
POLICIES = ['BEST', 'WORST', 'FIRST']
# What 100 cases or more must have held.
REQUIRED = ORDERS + POLICIES + ['-C', 'no -C', '-c', 'no -c', '-H', '-a', '-b', '-S', '-A', 'short',
                                'short joined', 'long', 'long=', 'negative seed', 'seed beyond 2^64',
                                'malloc.py fails', 'malloc.py succeeds', 'edge']


def run_malloc_py(code, args):
    """(exit status, stdout, stderr) of `python3 malloc.py ARGS`, in a fork."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.dup2(out_write, 1)
        os.dup2(err_write, 2)
        for fd in (out_read, out_write, err_read, err_write):
            os.close(fd)
        status = 0
        sys.argv = ['malloc.py'] + args
        try:
            exec(code, {'__name__': '__main__'})
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:
            traceback.print_exc()
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    os.close(out_write)
    os.close(err_write)
    with os.fdopen(out_read, 'rb') as out:
        stdout = out.read()
    with os.fdopen(err_read, 'rb') as err:
        stderr = err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stdout, stderr


def expected_status(python_status, python_out, python_err):
    """The exit status heapviz owes for malloc.py's: 0, 2 (a bad flag) or 1
    (a bad -A list)."""
    if python_status in (0, 2):
        return python_status                       # 2: optparse refused a flag
    error = python_err.decode(errors='replace')
    if 'AssertionError' in error and 'self.sizemap' in error:
        # a block of size <= 0 lands where one already is: from an -A op
        # (1), or in random mode from the flags that made sizes <= 0 (2)
        return 1 if b'\nallocList \n' not in python_out else 2
    if 'AssertionError' in error:
        return 2                                   # policy, order, alignment, percent
    return 1                                       # an -A op malloc.py could not read


class Generator:
    """Random malloc.py command lines; `seen` counts what they held."""

    def __init__(self, seed):
        self.random = random.Random(seed)
        self.seen = {}

    def note(self, what):
        self.seen[what] = self.seen.get(what, 0) + 1

    def number(self, low, high, odd=(0, -1, -5, 10**6, -(10**3))):
        """Mostly in [low, high], one time in 20 one of the `odd` values."""
        value = self.random.randint(low, high)
        if self.random.random() < 0.05:
            value = self.random.choice(odd)
        return value

    def written(self, value):
        """A number as text: decimal, and now and then octal or hex as optparse reads them."""
        roll = self.random.random()
        if value > 0 and roll < 0.05:
            self.note('octal')
            return '0' + oct(value)[2:]
        if value >= 0 and roll < 0.08:
            self.note('hex')
            return hex(value)
        return str(value)

    def option(self, short, long, value):
        roll = self.random.random()
        if value is None:
            self.note('short' if roll < 0.6 else 'long')
            return [short] if roll < 0.6 else [long]
        forms = [([short, value], 'short'), ([short + value], 'short joined'),
                 ([long, value], 'long'), ([long + '=' + value], 'long=')]
        words, form = forms[min(int(roll * 5), 3)]
        self.note(form)
        return words

    def op_list(self, edge):
        """"+N,-K,...": sizes 1..40 (now and then 0), at the edges 1..8 with
        one in 8 from -3..0."""
        ops, allocs = [], 0
        for _ in range(self.random.randint(1, 25)):
            if self.random.random() < 0.55 or allocs == 0:
                odd = self.random.random() < (0.125 if edge else 0.03)
                size = self.random.randint(-3 if edge else 0, 0) if odd else self.random.randint(1, 8 if edge else 40)
                ops.append('+' + str(size))
                allocs += 1
            else:
                ops.append('-' + str(self.random.randint(0, allocs + 1)))
        if self.random.random() < 0.04:
            self.note('bad op')
            ops.insert(self.random.randint(0, len(ops)),
                       self.random.choice(['', 'x3', '+', '-', '++2', '+1+2', '-1-2', '+ 4', '+0x3', '+-3']))
        return ','.join(ops)

    def seed(self):
        kind = self.random.choice(['small', 'signed', 'huge'])
        value = {'small': lambda: self.random.randint(0, 100),
                 'signed': lambda: self.random.randint(-10**6, 10**6),
                 'huge': lambda: self.random.randint(-2**80, 2**80)}[kind]()
        self.note('negative seed' if value < 0 else 'seed')
        if abs(value) >= 2**64:
            self.note('seed beyond 2^64')
        return self.written(value)

    def combination(self, index):
        """Case `index`: order, -C, -c and policy from the cycle, the rest at random."""
        r = self.random
        order = ORDERS[index % 5]
        coalesce, compute = (index // 5) % 2 == 1, (index // 10) % 2 == 1
        policy = POLICIES[(index // 20) % 3]
        args = []
        if r.random() < 0.8:
            args += self.option('-s', '--seed', self.seed())
        # one case in 8 lives at the edges: tiny or negative heaps, bases near
        # 0, negative headers (-1 half the time: the block at the base then
        # has its payload at offset 0), sizes <= 0 in -A
        edge = r.random() < 0.125
        if edge:
            self.note('edge')
        for short, long, low, high, chance, what in (
                ('-S', '--size', -5, 30, 0.9, '-S') if edge else ('-S', '--size', 10, 300, 0.6, '-S'),
                ('-b', '--baseAddr', -6, 6, 0.9, '-b') if edge else ('-b', '--baseAddr', -2000, 5000, 0.4, '-b'),
                ('-H', '--headerSize', -1, -1, 0.9, '-H') if edge and r.random() < 0.5 else
                ('-H', '--headerSize', -3, 3, 0.9, '-H') if edge else ('-H', '--headerSize', 0, 8, 0.5, '-H')):
            if r.random() < chance:
                self.note(what)
                args += self.option(short, long, self.written(self.number(low, high)))
        if r.random() < 0.5:
            self.note('-a')
            args += self.option('-a', '--alignment',
                                str(r.choice([-1, 1, 2, 4, 8, 3, 16] + ([0, -2] if r.random() < 0.1 else []))))
        if r.random() < 0.03:
            policy = r.choice(['best', 'NEXT'])
        if policy != 'BEST' or r.random() < 0.5:
            args += self.option('-p', '--policy', policy)
        if r.random() < 0.03:
            order = 'SIZESORT'
        if order != 'ADDRSORT' or r.random() < 0.5:
            args += self.option('-l', '--listOrder', order)
        if coalesce:
            args += self.option('-C', '--coalesce', None)
        # -n stays small: malloc.py needs minutes for a million operations
        for short, long, low, high, chance, odd in (
                ('-n', '--numOps', 0, 120, 0.6, (0, -1, -5, 1000)), ('-r', '--range', 1, 50, 0.5, (0, -1, -5, 10**6)),
                ('-P', '--percentAlloc', 1, 100, 0.5, (0, -1, -5, 10**6))):
            if r.random() < chance:
                args += self.option(short, long, self.written(self.number(low, high, odd)))
        if r.random() < (0.6 if edge else 0.35):
            self.note('-A')
            args += self.option('-A', '--allocList', self.op_list(edge))
        if compute:
            args += self.option('-c', '--compute', None)
        if r.random() < 0.01:
            self.note('bad flag')
            args += [r.choice(['-x', '--bogus', '--s', '-s', '--seed=abc', '-c=1', 'extra', '--'])]
        self.note(order)
        self.note(policy)
        self.note('-C' if coalesce else 'no -C')
        self.note('-c' if compute else 'no -c')
        return args


def compare(heapviz, code, args, env):
    """None if heapviz matches malloc.py on `args`, else what differs."""
    python_status, python_out, python_err = run_malloc_py(code, args)
    run = subprocess.run([heapviz, '--headless', '--ostep'] + args, capture_output=True, env=env)
    owed = expected_status(python_status, python_out, python_err)
    problems = []
    if run.stdout != python_out:
        problems.append('stdout differs')
    if run.returncode != owed:
        problems.append('exit %d, owed %d (malloc.py exited %d)' % (run.returncode, owed, python_status))
    lines = run.stderr.count(b'\n')
    if owed == 0 and run.stderr:
        problems.append('stderr not empty')
    if owed != 0 and (lines != 1 or not run.stderr.endswith(b'\n') or b'Traceback' in run.stderr):
        problems.append('stderr has %d lines, not 1' % lines)
    if not problems:
        return None, python_status
    return '; '.join(problems) + ' | heapviz stderr %r | malloc.py %r' % (
        run.stderr[:200], python_err.strip().split(b'\n')[-1][:200]), python_status


def check_goldens(code, folder):
    """Mismatches between the hand-checked cases and malloc.py."""
    bad = 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.txt'):
            continue
        text = open(os.path.join(folder, name), encoding='utf-8').read()
        words = [line[8:] for line in text.split('\n') if line.startswith('@@ args ')][0].split(' ')
        expected = text.split('@@ stdout\n', 1)[1].encode()
        if words[:words.index('--ostep')] != ['--headless']:
            continue                                  # about heapviz's own options (--csv, --stats)
        status, stdout, _ = run_malloc_py(code, words[words.index('--ostep') + 1:])
        if stdout != expected:
            bad += 1
            print('GOLDEN', name, 'is not what malloc.py prints (exit %d)' % status)
    return bad


def main():
    heapviz, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if not os.path.exists(MALLOC_PY):
        print('SKIPPED: malloc.py not found (HEAPVIZ_MALLOC_PY=%s)' % MALLOC_PY)
        sys.exit(77)
    code = compile(open(MALLOC_PY, encoding='utf-8').read(), MALLOC_PY, 'exec')
    env = dict(os.environ)
    env.pop('COLUMNS', None)
    os.environ.pop('COLUMNS', None)
    bad = check_goldens(code, sys.argv[4]) if len(sys.argv) > 4 else 0
    generator = Generator(seed)
    for index in range(count):
        args = generator.combination(index)
        problem, python_status = compare(heapviz, code, args, env)
        generator.note('malloc.py fails' if python_status else 'malloc.py succeeds')
        if problem:
            bad += 1
            if bad <= 5:
                print('MISMATCH', args, problem)
    print('cases', count, 'mismatches', bad)
    print('coverage', ', '.join('%s %d' % item for item in sorted(generator.seen.items())))
    missing = [what for what in REQUIRED if count >= 100 and what not in generator.seen]
    if missing:
        print('NOT COVERED by these', count, 'cases:', ', '.join(missing))
    sys.exit(1 if bad or missing else 0)


main()
