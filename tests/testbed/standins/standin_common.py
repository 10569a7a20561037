# TEST STAND-IN support code: shared by kforge's testbed stand-ins (not a real Kubernetes or systemd part).
import os
import sys


def die(prog, msg, code=1):
    sys.stderr.write(f"{prog}: {msg}\n")
    sys.exit(code)


def parse_flags(prog, argv, allowed, positional_ok=False):
    """Parses --name=value / --name value / --flag like Go's pflag; unknown flags are errors, as in the real programs."""
    flags, rest = {}, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            if name not in allowed:
                die(prog, f"unknown flag: --{name}")
            if not eq:
                if allowed[name] == "bool":
                    value = "true"
                else:
                    i += 1
                    if i >= len(argv):
                        die(prog, f"flag needs an argument: --{name}")
                    value = argv[i]
            flags[name] = value
        else:
            if not positional_ok:
                die(prog, f"unexpected argument {a!r}")
            rest.append(a)
        i += 1
    return flags, rest


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
