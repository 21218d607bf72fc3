#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Generate a deterministic synthetic archive of N statements.

    gen_archive.py N OUTDIR [--seed S]

Writes OUTDIR/statements/YYYY/YYYY-MM-DD-slug.gmi (a few as .txt), sizes
2-20 KiB of UTF-8 gemtext (headings, paragraphs, quotes, lists, links,
some accented and non-Latin words), dates 1995-2025, and a sidecar .ini
(author, lang, tags) for about a third of them.  Same N and seed, same
bytes.  With --translations, a fifth of the .gmi statements get a Spanish
version (slug.es.gmi) and a fifteenth a Russian one too (slug.ru.gmi),
made of the same generated words: the other files do not change.  Prints
the number of files and bytes written.
"""
import argparse
import os
import random

SYLL = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "par", "dem", "ul",
        "gri", "sta", "ne", "co", "bel", "tor", "an", "is", "rev", "qua",
        "lit", "mon", "fe", "du", "sol", "ber", "ga", "pi", "zu", "hem"]
COMMON = ("the of and to in a is that for on with as by are was it from at "
          "this be have not workers people their they all we our against "
          "which were more who city war police state government movement "
          "union rights struggle solidarity protest strike housing wages "
          "imperialism occupation resistance community march rally").split()
ACCENTED = ["café", "révolution", "Québec", "São", "Paulo", "niño", "Zürich",
            "Gdańsk", "Łódź", "façade", "naïve", "Ñuñoa", "résistance",
            "élection", "grève", "Straße", "Ørsted", "Ciudad", "México",
            "Bogotá", "Asunción", "Curaçao"]
OTHER = ["Москва", "Αθήνα", "東京", "Беларусь", "Ελλάδα"]
TAGS = ["migrants", "labor", "housing", "war", "police", "ice", "palestine",
        "solidarity", "climate", "health", "education", "prisons", "women",
        "youth", "elections", "strikes", "unions", "africa", "asia",
        "latin-america", "europe", "cuba", "venezuela", "haiti", "tenants",
        "courts", "media", "sanctions", "nuclear", "veterans"]
PUNCT = [",", ",", ";", " —", ":", ""]


def make_vocab(rng, n):
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLL) for _ in range(rng.randint(1, 4))))
    words = sorted(words)
    rng.shuffle(words)
    return words


def sentence(rng, vocab):
    n = rng.randint(6, 28)
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.45:
            w = rng.choice(COMMON)
        elif r < 0.97:
            # Zipf-like: early vocabulary words are much more frequent
            w = vocab[int(len(vocab) * rng.random() ** 3)]
            if rng.random() < 0.1:
                w = w.capitalize()
        elif r < 0.995:
            w = rng.choice(ACCENTED)
        else:
            w = rng.choice(OTHER)
        if i and rng.random() < 0.08:
            out[-1] += rng.choice(PUNCT)
        out.append(w)
    if rng.random() < 0.1:
        out.append(str(rng.randint(2, 99999)))
    s = " ".join(out)
    return s[0].upper() + s[1:] + rng.choice([".", ".", ".", "!", "?"])


def body(rng, pool, vocab, title, date, target):
    parts = ["# " + title, "", date, ""]
    size = sum(len(p.encode()) + 1 for p in parts)
    while size < target:
        r = rng.random()
        if r < 0.07:
            line = "## " + rng.choice(pool)[:60].rstrip(" .,;:")
        elif r < 0.12:
            line = "> “" + " ".join(rng.choice(pool) for _ in range(2)) + "”"
        elif r < 0.16:
            line = "\n".join("* " + rng.choice(pool)[:80] for _ in range(3))
        elif r < 0.18:
            line = "=> gemini://example.org/%s %s" % (
                rng.choice(vocab), rng.choice(pool)[:40])
        else:
            line = " ".join(rng.choice(pool)
                            for _ in range(rng.randint(2, 7)))
        parts.append(line)
        parts.append("")
        size += len(line.encode()) + 2
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--translations", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    vocab = make_vocab(rng, 30000)
    pool = [sentence(rng, vocab) for _ in range(20000)]
    base = os.path.join(a.outdir, "statements")
    files = nbytes = 0
    slugs = set()
    for i in range(a.n):
        y = rng.randint(1995, 2025)
        m = rng.randint(1, 12)
        d = rng.randint(1, 28)
        date = "%04d-%02d-%02d" % (y, m, d)
        title = rng.choice(pool)[:rng.randint(30, 90)].rstrip(" .,;:—")
        slug = "-".join(w.lower() for w in title.split()[:6]
                        if w.isascii() and w.isalnum())[:60] or "statement"
        slug = "%s-%d" % (slug, i)
        ext = ".txt" if i % 50 == 7 else ".gmi"
        d_out = os.path.join(base, "%04d" % y)
        os.makedirs(d_out, exist_ok=True)
        name = "%s-%s" % (date, slug)
        target = int(2048 + (20480 - 2048) * rng.random() ** 1.5)
        text = body(rng, pool, vocab, title, date, target)
        if ext == ".txt":
            text = title + "\n\n" + text.split("\n", 2)[2]
        data = text.encode("utf-8")[:20480]
        data = data.decode("utf-8", "ignore").encode("utf-8")
        with open(os.path.join(d_out, name + ext), "wb") as f:
            f.write(data)
        files += 1
        nbytes += len(data)
        if a.translations and ext == ".gmi" and i % 5 == 0:
            for lang, every, head in (("es", 5, "Declaración"),
                                      ("ru", 15, "Заявление")):
                if i % every:
                    continue
                # Its own generator: the statements after it stay the same.
                trng = random.Random(a.seed * 1000003 + i * 7 + every)
                t = body(trng, pool, vocab, "%s: %s" % (head, title), date,
                         2048)
                with open(os.path.join(d_out, "%s.%s.gmi" % (name, lang)),
                          "w", encoding="utf-8") as f:
                    f.write(t)
                files += 1
                nbytes += len(t.encode("utf-8"))
        if i % 3 == 0:
            tags = rng.sample(TAGS, rng.randint(1, 4))
            ini = "[statement]\nauthor = Committee %d\nlang = %s\ntags = %s\n" % (
                rng.randint(1, 40), rng.choice(["en", "en", "es", "fr"]),
                ", ".join(tags))
            with open(os.path.join(d_out, name + ".ini"), "w") as f:
                f.write(ini)
            files += 1
            nbytes += len(ini.encode())
    print("%d files, %d bytes" % (files, nbytes))


if __name__ == "__main__":
    main()
