"""Markdown tables from a results JSON (see run.py): one table per measure, a column per
framework, and dagnet's ratio to the best peer (best peer / dagnet: above 1 means
dagnet is faster, or uses less memory)."""

from frameworks import FRAMEWORKS

MEASURES = [
    ("train", "train step, median ms (p10-p90)"),
    ("predict_batch", "predict at the model's batch, median ms (p10-p90)"),
    ("predict_1", "predict at batch 1, median ms (p10-p90)"),
    ("memory_mb", "training memory, MB (peak RSS during training - RSS before the first step)"),
]
_LOWER_MEMORY_BOUND_MB = 1.0  # below this an RSS difference is noise, not a ratio


def _value(entry, measure):
    if entry is None or "error" in entry:
        return None
    v = entry[measure]
    return v["median"] if isinstance(v, dict) else v


def _cell(entry, measure):
    if entry is None:
        return "-"
    if "error" in entry:
        return "error"
    v = entry[measure]
    if isinstance(v, dict):
        digits = 3 if v["median"] < 1 else 2 if v["median"] < 10 else 1
        return f"{v['median']:.{digits}f} ({v['p10']:.{digits}f}-{v['p90']:.{digits}f})"
    return f"{v:.1f}"


def _ratio(results, model, measure, peers):
    ours = _value(results.get(model, {}).get("dagnet"), measure)
    theirs = [(p, _value(results[model].get(p), measure)) for p in peers]
    theirs = [(p, v) for p, v in theirs if v is not None]
    if ours is None or not theirs:
        return "-", "-"
    best, value = min(theirs, key=lambda pv: pv[1])
    if measure == "memory_mb" and min(ours, value) < _LOWER_MEMORY_BOUND_MB:
        return best, "-"
    return best, f"{value / ours:.2f}x"


def _load_cell(timing):
    if "others_cpus" not in timing:
        return "-"
    own = f" ({timing['own_cpus']:.2f})" if "own_cpus" in timing else ""
    return f"{timing['others_cpus']:.2f}{own}"


def tables(run: dict) -> str:
    """All tables of a run as markdown."""
    results = run["results"]
    models = list(results)
    used = [f for f in FRAMEWORKS if any(f in results[m] for m in models)]
    peers = [f for f in used if f != "dagnet"]
    out = [f"threads {run['threads']}, {run['settings']}, {run['machine']}, {run['date']}", ""]
    for measure, title in MEASURES:
        out += [
            f"**{title}**",
            "",
            "| model | batch | " + " | ".join(used) + " | best peer | best peer / dagnet |",
            "| --- | ---: | " + " | ".join("---:" for _ in used) + " | --- | ---: |",
        ]
        for m in models:
            best, ratio = _ratio(results, m, measure, peers)
            cells = [_cell(results[m].get(f), measure) for f in used]
            batch = 1 if measure == "predict_1" else run["batches"][m]
            out.append(f"| {m} | {batch} | " + " | ".join(cells) + f" | {best} | {ratio} |")
        out.append("")
    loads = {m: [results[m].get(f, {}).get("train", {}) for f in used] for m in models}
    if any("others_cpus" in t for row in loads.values() for t in row):  # older runs did not record the load
        out += [
            (
                f"**CPUs other processes kept busy while the train step was timed (of {run['threads']}; this "
                "process's own use in parentheses where recorded)**"
            ),
            "",
            "| model | " + " | ".join(used) + " |",
            "| --- | " + " | ".join("---:" for _ in used) + " |",
        ]
        out += [f"| {m} | " + " | ".join(_load_cell(t) for t in row) + " |" for m, row in loads.items()]
        out.append("")
    errors = [(m, f, e["error"]) for m in models for f, e in results[m].items() if "error" in e]
    if errors:
        out += ["**errors**", ""] + [f"- {m} on {f}: {e}" for m, f, e in errors] + [""]
    return "\n".join(out)
