#!/usr/bin/env python3
"""A synthetic awesome-list of N papers in the seed's Markdown format, for scale tests and benchmarks.

    python tests/synthetic.py 20000 > list.md

The same N always gives the same bytes (the random generator is seeded with N). The list looks like
data/awesome-deep-phenomena.md: the seed's seven topics in a table of contents, year headings under
each (`### Topic: 2021`, and for one topic the colon-less `### Topic 2021` the seed also has), then
entries of a title with a [[paper]] link (arXiv, some OpenReview) and for some a [[code]] link, an
author line with a venue for most, a keyword line for most and a digest. Recent years hold more
papers, topics differ in size, and a few prolific authors and common keywords recur across many
papers, as in the real list.

It imports cleanly (`phenkg import` exits 0) and conforms to the shapes: titles, arXiv and OpenReview
ids are unique, venue years are never before the arXiv year, and no two authors or keywords differ
only in form, so the quality shapes have nothing to warn about.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata

TOPICS = [  # the seed's topics, with their share of the papers
    ("Empirical Study", 6), ("Deep Double Descent", 2), ("Lottery Ticket Hypothesis", 4),
    ("Interactions with Neuroscience", 1), ("Information Bottleneck", 1), ("Neural Tangent Kernel", 2),
    ("Others", 3),
]
COLONLESS = "Deep Double Descent"  # its year headings are written `### Deep Double Descent 2021`
YEARS = list(range(2025, 2014, -1))
VENUES = ["ICLR", "ICML", "NeurIPS", "CVPR", "ICCV", "ECCV", "AAAI", "AISTATS", "COLT", "JMLR", "TMLR", "UAI"]
QUALIFIERS = ["Workshop", "Oral", "Spotlight"]
FIRST = ["Aiko", "Amara", "Anders", "Bao", "Beatriz", "Chiara", "Dmitri", "Elif", "Emeka", "Farah", "Gabriel",
         "Hana", "Ioana", "Jonas", "Kavya", "Laszlo", "Lucía", "Mateo", "Nadia", "Oskar", "Priya", "Qiang",
         "Rafael", "Sakura", "Tomás", "Ugo", "Valentina", "Wei", "Xavier", "Yara", "Zeynep", "Björn", "Chloé",
         "Dong", "Esther", "Felix", "Grace", "Hiro", "Ingrid", "Jamal", "Kofi", "Leila", "Marek", "Noor",
         "Olga", "Pedro", "Rania", "Sven", "Thandiwe", "Umar", "Vikram", "Wanjiru", "Yusuf", "Zhen"]
SYLLABLES = ["ka", "ro", "len", "mi", "sa", "to", "vel", "an", "der", "son", "ber", "ga", "lin", "mo", "ra",
             "shi", "ta", "ni", "ko", "wa", "chen", "li", "ev", "ova", "ski", "ma", "dor", "ha", "ru", "sen",
             "ne", "vi", "zu", "bel", "ton", "ri"]
PHENOMENA = ["Double Descent", "Grokking", "Neural Collapse", "Lottery Tickets", "Implicit Regularization",
             "Mode Connectivity", "Benign Overfitting", "Memorization", "Loss of Plasticity", "Edge of Stability",
             "Simplicity Bias", "Feature Learning", "Catastrophic Forgetting", "Sharpness", "Emergence",
             "Scaling Laws", "Spectral Bias", "Information Compression", "Representation Similarity",
             "Shortcut Learning", "Adversarial Vulnerability", "Calibration", "Label Noise Robustness",
             "Weight Decay", "Gradient Starvation", "Rank Collapse", "Attention Sinks", "Superposition",
             "Data Pruning", "Warmup"]
MODELS = ["Deep Networks", "Wide Networks", "Transformers", "Vision Transformers", "ResNets", "Linear Networks",
          "Two-Layer Networks", "Language Models", "Graph Neural Networks", "Autoencoders", "Diffusion Models",
          "Recurrent Networks", "Mixture-of-Experts Models", "Convolutional Networks", "Random Feature Models",
          "Kernel Machines", "Sparse Networks", "Quantized Networks"]
SETTINGS = ["Gradient Descent", "SGD", "Adam", "Large Learning Rates", "Small Initialization",
            "Overparameterization", "Finite Width", "the Infinite-Width Limit", "Label Noise", "Distribution Shift",
            "Self-Supervision", "Transfer Learning", "Pruning at Initialization", "Data Augmentation",
            "Long Training", "Mean-Field Scaling"]
TEMPLATES = ["{p} in {m}", "On the {p} of {m}", "Understanding {p} in {m} Trained with {s}",
             "{p} Emerges in {m} under {s}", "A Theory of {p} for {m}", "Rethinking {p}: Evidence from {m}",
             "When Does {p} Happen in {m}?", "{p} and {s} in {m}", "Towards Explaining {p} in {m} with {s}",
             "The Role of {s} in {p}", "Provable {p} of {m} under {s}", "An Empirical Study of {p} in {m}"]
SUBTITLES = ["A Kernel Perspective", "Evidence from ImageNet", "A Mean-Field Analysis", "Beyond the Lazy Regime",
             "A Large-Scale Study", "Theory and Experiments", "A Spectral View", "Lessons from Language Modelling",
             "An Information-Theoretic View", "What Changes with Scale", "A Tale of Two Regimes",
             "Insights from Toy Models", "A Dynamical Systems View", "Revisiting Common Wisdom",
             "The Role of Depth", "Evidence from CIFAR-10", "A Statistical Physics Approach", "Why Width Matters",
             "From Theory to Practice", "Simple Models Suffice", "A Unifying Framework", "Counterexamples",
             "Phase Diagrams", "Sharp Asymptotics", "An Optimization Perspective"]
KEYWORDS = ["Generalization", "Optimization", "Overparameterization", "Pruning", "Sparsity", "Kernel Methods",
            "Neural Tangent Kernel", "Mean Field", "Implicit Bias", "Loss Landscape", "Sharpness", "Robustness",
            "Adversarial Examples", "Calibration", "Transfer Learning", "Self-Supervision", "Contrastive Learning",
            "Scaling Laws", "Emergence", "Memorization", "Information Theory", "Representation Learning",
            "Interpretability", "Neuroscience", "Continual Learning", "Label Noise", "Data Pruning",
            "Normalization", "Attention", "Initialization", "Learning Rate", "Batch Size", "Weight Decay",
            "Ensembles", "Distillation", "Quantization", "Symmetry", "Linear Regression", "Random Features",
            "Phase Transition"]
KEYWORD_PREFIXES = ["Deep", "Stochastic", "Spectral", "Causal", "Bayesian", "Federated", "Sparse", "Robust"]
FINDINGS = ["We show that {p} appears in {m} trained with {s}, and that it disappears when {s2} is removed.",
            "We study {p} in {m} and find that it is governed by the interplay of width, depth and {s}.",
            "Our experiments on {m} suggest that {p} is a consequence of {s} rather than of the architecture.",
            "We give a theoretical account of {p} for {m} and verify its predictions on standard benchmarks.",
            "We measure {p} across hundreds of {m} and relate it to test error and to {s}.",
            "Contrary to common belief, {p} in {m} does not require {s}; {s2} is enough.",
            "We propose a simple diagnostic for {p} and use it to explain the behaviour of {m} under {s}."]
CLOSINGS = ["Code and trained models are released.", "The effect is robust across datasets and seeds.",
            "These results open questions about the role of {s} in modern practice.",
            "We discuss implications for the design of {m}.", ""]


def _fold(text: str) -> str:
    """Lower case, accents dropped, only letters and digits: what two spellings of one name share."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _zipf(rng: random.Random, pool: list):
    """A heavy-tailed pick: the first few items of the pool are chosen far more often than the rest."""
    return pool[int(len(pool) * rng.random() ** 3)]


def _authors(rng: random.Random, count: int) -> list[str]:
    """Distinct author names; no two share a first initial and surname (the quality shapes would take
    them for one person written two ways)."""
    names, seen = [], set()
    while len(names) < count:
        surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3, 3, 4]))).capitalize()
        first = rng.choice(FIRST)
        key = (_fold(first)[0], _fold(surname))
        if key not in seen:
            seen.add(key)
            names.append(f"{first} {surname}")
    return names


def _keywords(rng: random.Random, count: int) -> list[str]:
    pool, seen = [], set()
    candidates = KEYWORDS + [f"{p} {k}" for p in KEYWORD_PREFIXES for k in KEYWORDS]
    rng.shuffle(candidates)
    for keyword in sorted(KEYWORDS, key=KEYWORDS.index) + candidates:  # the plain terms are the common ones
        if _fold(keyword) not in seen and len(pool) < count:
            seen.add(_fold(keyword))
            pool.append(keyword)
    return pool


def _shares(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), so the parts add up exactly."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])[: total - sum(parts)]:
        parts[i] += 1
    return parts


def awesome_list(n: int) -> str:
    """A list of `n` papers in the seed's format; the same `n` always gives the same text."""
    rng = random.Random(f"phenkg synthetic list {n}")
    authors = _authors(rng, max(40, n * 3 // 2))
    keywords = _keywords(rng, max(30, n // 6))
    titles: set[str] = set()
    out = ["# Awesome Synthetic Phenomena", "",
           f"A generated list of {n:,} papers in the format of Awesome Deep Phenomena, for scale tests.", "",
           "## Table of Contents", ""]
    out += [f"- [{topic}](#{topic.lower().replace(' ', '-')})" for topic, _ in TOPICS]
    out.append("")
    serial = 0
    for (topic, _), count in zip(TOPICS, _shares(n, [w for _, w in TOPICS]), strict=True):
        out += [f"## {topic}", ""]
        for year, in_year in zip(YEARS, _shares(count, [1.35 ** -i for i in range(len(YEARS))]), strict=True):
            if not in_year:
                continue
            out += [f"### {topic} {year}" if topic == COLONLESS else f"### {topic}: {year}", ""]
            for _ in range(in_year):
                serial += 1
                out += _entry(rng, serial, year, authors=authors, keywords=keywords, titles=titles)
    return "\n".join(out) + "\n"


def _title(rng: random.Random, titles: set[str]) -> str:
    for attempt in range(1000):
        title = rng.choice(TEMPLATES).format(p=rng.choice(PHENOMENA), m=rng.choice(MODELS), s=rng.choice(SETTINGS))
        if rng.random() < 0.6 and not title.endswith("?"):
            title += f": {rng.choice(SUBTITLES)}"
        if attempt > 20:
            title += f", Part {attempt - 19}"
        if _fold(title) not in titles:
            titles.add(_fold(title))
            return title
    raise AssertionError("no unused title")  # unreachable: "Part k" makes a new one each time


def _entry(rng: random.Random, serial: int, year: int, *, authors: list[str], keywords: list[str],
           titles: set[str]) -> list[str]:
    title = _title(rng, titles)
    if rng.random() < 0.9:  # arXiv ids are unique per serial: month and number from it (1.2M papers a year)
        paper = f"https://arxiv.org/abs/{year % 100:02d}{1 + serial // 99999 % 12:02d}.{serial % 99999 + 1:05d}"
    else:
        paper = f"https://openreview.net/forum?id={_openreview_id(serial)}"
    people = list(dict.fromkeys(_zipf(rng, authors) for _ in range(rng.choice([1, 2, 3, 3, 4, 4, 5, 6, 8]))))
    links = f"[[paper]]({paper})"
    if rng.random() < 0.4:
        owner = re.sub(r"[^a-z]", "", _fold(people[0].split()[-1])) or "lab"
        repo = "-".join(_fold(w) for w in title.split()[:3]) + f"-{serial}"
        links += f" [[code]](https://github.com/{owner}/{repo})"
    ending = "" if title.endswith("?") else "."
    lines = [f"- {title}{ending} {links}"]
    venue = ""
    if rng.random() < 0.8:
        venue = f"{rng.choice(VENUES)} {year + rng.choice([0, 0, 1])}"
        if rng.random() < 0.1:
            venue += f" {rng.choice(QUALIFIERS)}"
        venue = f" *{venue}*"
    lines.append(f"  - {', '.join(people)}.{venue}")
    if rng.random() < 0.93:
        chosen = list(dict.fromkeys(_zipf(rng, keywords) for _ in range(rng.randint(1, 3))))
        lines.append(f"  - Key Word: {'; '.join(chosen)}.")
    setting, other = rng.sample(SETTINGS, 2)
    words = {"p": rng.choice(PHENOMENA).lower(), "m": rng.choice(MODELS).lower(), "s": setting, "s2": other}
    sentences = [rng.choice(FINDINGS) for _ in range(rng.randint(1, 3))] + [rng.choice(CLOSINGS)]
    digest = " ".join(s.format(**words) for s in dict.fromkeys(sentences) if s)
    lines += [f"  - Digest: {digest[0].upper() + digest[1:]}", ""]
    return lines


def _openreview_id(serial: int) -> str:
    """A 10-character OpenReview-like id, unique per serial."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    value, digits = serial * 7919 + 13, []
    for _ in range(10):
        value, digit = divmod(value, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(digits)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python tests/synthetic.py N > list.md")
    sys.stdout.write(awesome_list(int(sys.argv[1])))
