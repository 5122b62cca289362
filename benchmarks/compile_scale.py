"""How compile time grows with runbook size.

Generates runbooks of 1,000, 10,000 and 100,000 nodes with random dependencies (every
`depends_on` shorthand, fan-in bounded by 4 except `"*"` near the start), `when` conditions and
templated commands, times `compile` (best of a few runs), and prints the cost per node and its
ratio to the 1,000-node cost: a ratio near 1 means linear growth. Then compiles a 100,000-node
chain, which must not hit Python's recursion limit. With --passes, it shows instead where the
time of compiling the largest size goes: parsing the TOML, then each pass, as a share of the
parse (best of --repeat runs each).

    python benchmarks/compile_scale.py [--seed N] [--repeat N] [--sizes 1000,10000,100000]
                                       [--passes]
"""

from __future__ import annotations

import argparse
import gc
import random
import time

from playbook.compiler import compile
from playbook.compiler.pipeline import PASSES
from playbook.compiler.source import parse_source
from playbook.compiler.unit import Unit

HEADER = """[runbook]
title = "Scale test of {size} nodes"

[variables]
ENVIRONMENT = {{ default = "dev", choices = ["dev", "staging", "prod"] }}
APP = {{ default = "app" }}
RETRIES = {{ default = 3, type = "int", min = 0, max = 10 }}
"""
WINDOW = 50  # explicit dependencies reach at most this far back
ALL_EARLIER_LIMIT = 8  # "*" only among the first nodes, so fan-in stays bounded


def node_id(index: int) -> str:
    return f"step_{index:06d}"


def depends_on(rng: random.Random, index: int) -> str | None:
    """One `depends_on = …` line (None: implicit), drawn from every shorthand."""

    def earlier() -> str:
        return node_id(rng.randrange(max(0, index - WINDOW), index))

    if index == 0:
        return rng.choice([None, "[]"])
    roll = rng.random()
    if roll < 0.30:
        return None
    if roll < 0.40:
        return '"^"'
    if roll < 0.45 and index < ALL_EARLIER_LIMIT:
        return '"*"'
    if roll < 0.60:
        return f'"{earlier()}"'
    entries = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.15:
            entries.append('"^"')
        elif kind < 0.35:
            entries.append(f'"{earlier()}:{rng.choice(["success", "failure"])}"')
        else:
            entries.append(f'"{earlier()}"')
    return "[" + ", ".join(entries) + "]"


def condition(rng: random.Random, index: int) -> str | None:
    if index == 0 or rng.random() >= 0.25:
        return None
    other = node_id(rng.randrange(max(0, index - WINDOW), index))
    return rng.choice(
        [
            f"{{{{ ENVIRONMENT == 'prod' and has_succeeded('{other}') }}}}",
            f"{{{{ not has_failed('{other}') or RETRIES > 2 }}}}",
            "{{ ENVIRONMENT in ['staging', 'prod'] }}",
            f"{{{{ is_skipped('{other}') or has_run('{other}') }}}}",
        ]
    )


def random_runbook(size: int, seed: int) -> str:
    rng = random.Random(seed)
    parts = [HEADER.format(size=size)]
    for index in range(size):
        lines = [f"[{node_id(index)}]"]
        kind = rng.random()
        if kind < 0.7:
            lines += ['type = "Command"', f'command_name = "deploy.sh {{{{ APP }}}} {index}"']
            if rng.random() < 0.2:
                lines.append("timeout = 300")
        elif kind < 0.9:
            lines += ['type = "Manual"', f'prompt_after = "Is step {index} done?"']
        else:
            lines += [
                'type = "Function"',
                'plugin = "python"',
                'function = "notify"',
                f'function_params = {{ message = "step {index} of {{{{ APP }}}}" }}',
            ]
        dependency = depends_on(rng, index)
        if dependency is not None:
            lines.append(f"depends_on = {dependency}")
        when = condition(rng, index)
        if when is not None:
            lines.append(f'when = "{when}"')
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def chain(size: int) -> str:
    nodes = "".join(
        f'[{node_id(i)}]\ntype = "Command"\ncommand_name = "echo {i}"\n\n' for i in range(size)
    )
    return f'[runbook]\ntitle = "Chain of {size}"\n\n' + nodes


def best_time(text: str, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of `repeat` compilations.

    CPU time is what the compiler costs; wall time also counts whatever else the machine runs.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        compile(text, "bench.playbook.toml")
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_wall, best_cpu


def pass_times(text: str, repeat: int) -> dict[str, float]:
    """Best wall-clock seconds of parsing `text`, then of each compiler pass in turn, with the
    cyclic garbage collector paused as `compile` pauses it."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        unit = Unit(parse_source(text, "bench.playbook.toml"))
        times = {"parse (tomli)": time.perf_counter() - started}
        for compiler_pass in PASSES:
            started = time.perf_counter()
            unit = compiler_pass(unit)
            times[compiler_pass.__name__] = time.perf_counter() - started
        gc.enable()
        best = {name: min(seconds, best.get(name, seconds)) for name, seconds in times.items()}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best counts")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--passes", action="store_true", help="time each pass of the largest")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    if arguments.passes:
        times = pass_times(random_runbook(max(sizes), arguments.seed), arguments.repeat)
        parse = times["parse (tomli)"]
        for name, seconds in times.items():
            print(f"{name:<28} {seconds * 1000:8.1f} ms {seconds / parse:6.2f}x the parse")
        print(f"{'passes in all':<28} {(sum(times.values()) - parse) * 1000:8.1f} ms")
        return

    print(f"{'nodes':>8} {'wall (s)':>9} {'cpu (s)':>8} {'cpu µs/node':>12} {'vs first':>9}")
    baseline = None
    for size in sizes:
        text = random_runbook(size, arguments.seed)
        wall, cpu = best_time(text, arguments.repeat if size < 100_000 else 2)
        per_node = cpu / size * 1e6
        baseline = baseline or per_node
        print(f"{size:>8} {wall:>9.3f} {cpu:>8.3f} {per_node:>12.1f} {per_node / baseline:>8.2f}x")

    size = max(sizes)
    wall, cpu = best_time(chain(size), 1)
    print(f"chain of {size} nodes: wall {wall:.3f} s, cpu {cpu:.3f} s")


if __name__ == "__main__":
    main()
