#!/usr/bin/env python3
"""Runs the README's examples, in order, for t0055-readme.sh.

An example is a fenced block right after a line "<!-- readme-test -->"
(or "<!-- readme-test: MACHINE -->": whose machine it runs on; the
default is maya's laptop, "maya"). In a ```sh block every line is a
command; in a plain ``` block (a transcript) the lines "$ CMD" or
"WHO$ CMD" are commands (on WHO's machine) and the lines after each are
what it printed.

Each command runs as written with bash in a work directory holding what
the README's reader has (var/certs/ca.pem from `make run`, ca.pem from
an operator, the sample plan as ultralearning-plan.md), with `cairn` on
the PATH (a wrapper that answers the password prompt of register and
login) and CAIRN_HOME set to the machine's home. Two things are
translated, as a reader would: the README's server addresses
(localhost:7443, study.example.org:7443) become the test's server, and an
ID the README shows in an output (c4211078) becomes the one this run
printed on the matching line. Every command must exit 0.

usage: readme-run.py README WORKDIR HOMES PORT
Prints "ok N - ..." per command (and, with README_SHOW=1, what it
printed, to refresh the README's transcripts); on the first failure
"not ok N - ...", what the command printed, and exits 1.
"""
import difflib
import os
import re
import subprocess
import sys

HEX8 = re.compile(r"\b[0-9a-f]{8}\b")
MARK = re.compile(r"^<!-- readme-test(?::\s*([A-Za-z0-9_-]+))?\s*-->\s*$")
PROMPT = re.compile(r"^(?:([a-z][a-z0-9_-]*))?\$ (.+)$")
SERVERS = ("localhost:7443", "study.example.org:7443")


def blocks(readme):
    """Yields (machine, kind, lines) for each marked block."""
    lines = readme.split("\n")
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        machine = m.group(1) or "maya"
        if i >= len(lines) or not lines[i].startswith("```"):
            raise SystemExit("README line %d: a readme-test mark must be "
                             "followed by a fenced block" % i)
        kind = lines[i][3:].strip() or "transcript"
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        yield machine, kind, body


def steps(readme):
    """Yields (machine, command, expected output lines)."""
    for machine, kind, body in blocks(readme):
        if kind == "sh":
            cmd = ""
            for line in body:
                if line.endswith("\\"):
                    cmd += line[:-1] + " "
                    continue
                cmd += line
                if cmd.strip() and not cmd.lstrip().startswith("#"):
                    yield machine, cmd.strip(), []
                cmd = ""
            continue
        cur = None
        for line in body:
            m = PROMPT.match(line)
            if m:
                if cur:
                    yield cur
                cur = (m.group(1) or machine, m.group(2), [])
            elif cur:
                cur[2].append(line)
        if cur:
            yield cur


def learn_ids(expected, actual, ids):
    """Maps the IDs on each expected line to those on the closest actual
    line (same text once IDs, numbers and dates are set aside)."""
    def shape(s):
        return re.sub(r"[0-9a-f]{8}|[0-9]+", "#", s)

    for exp in expected:
        want = [t for t in HEX8.findall(exp) if t not in ids]
        if not want:
            continue
        best, score = None, 0.6
        for act in actual:
            r = difflib.SequenceMatcher(None, shape(exp), shape(act)).ratio()
            if r > score and len(HEX8.findall(act)) == len(HEX8.findall(exp)):
                best, score = act, r
        if best is None:
            continue
        for e, a in zip(HEX8.findall(exp), HEX8.findall(best)):
            ids.setdefault(e, a)


def main():
    readme_path, work, homes, port = sys.argv[1:5]
    readme = open(readme_path, encoding="utf-8").read()
    ids = {}
    n = 0
    env = dict(os.environ)
    for machine, cmd, expected in steps(readme):
        run = cmd
        for s in SERVERS:
            run = run.replace(s, "localhost:" + port)
        run = HEX8.sub(lambda m: ids.get(m.group(0), m.group(0)), run)
        env["CAIRN_HOME"] = os.path.join(homes, machine)
        n += 1
        try:
            p = subprocess.run(["bash", "-c", run], cwd=work, env=env,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=120)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = "timeout", e.stdout or "", e.stderr or ""
        desc = "README, %s: %s" % (machine, cmd)
        if rc != 0:
            print("not ok %d - %s" % (n, desc))
            print("#   ran: %s (exit %s)" % (run, rc))
            for line in (str(out)[-1500:] + str(err)[-1500:]).splitlines():
                print("#   " + line)
            return 1
        print("ok %d - %s" % (n, desc))
        if os.environ.get("README_SHOW") == "1":
            for line in out.splitlines():
                print("#   | " + line)
        learn_ids(expected, out.splitlines(), ids)
    if n == 0:
        print("not ok 1 - the README has examples marked <!-- readme-test -->")
        return 1
    print("# %d README commands ran; IDs translated: %s" %
          (n, " ".join("%s=%s" % kv for kv in sorted(ids.items())) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
