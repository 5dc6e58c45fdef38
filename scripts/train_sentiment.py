#!/usr/bin/env python3
"""Trains the customer-sentiment model that ships inside the salescope binary.

    python3 scripts/train_sentiment.py [CORPUS] [MODEL]

CORPUS defaults to ../shared/corpora/sentiment_train_zh.csv.gz (columns cat,label,review);
MODEL to crates/core/src/sentiment_model.tsv. Standard library only, deterministic.

The model is a binarised naive-Bayes log-count ratio over character uni-, bi- and trigrams (Wang &
Manning 2012, the NB features of NBSVM): a text's score is the bias plus the sum of the ratios of
the distinct features it contains; above zero is positive. Characters rather than words, because
call transcripts are short, colloquial and segmented differently from reviews.

Before training on everything, the script holds out each product category in turn and reports the
accuracy on the category it did not see, the honest estimate of accuracy on other domains.
"""

import csv
import gzip
import math
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "sentiment_train_zh.csv.gz")
MODEL = os.path.join(HERE, "..", "crates", "core", "src", "sentiment_model.tsv")
ALPHA = 1.0
MIN_DOCUMENTS = 3
KEEP = 60000


def features(text):
    chars = [c for c in text.strip().lower() if not c.isspace()]
    grams = set(chars)
    grams.update(a + b for a, b in zip(chars, chars[1:]))
    grams.update(a + b + c for a, b, c in zip(chars, chars[1:], chars[2:]))
    return grams


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [(row["cat"], int(row["label"]), features(row["review"])) for row in csv.DictReader(f)]


def train(rows):
    positive, negative = Counter(), Counter()
    n_pos = n_neg = 0
    for _, label, grams in rows:
        if label == 1:
            positive.update(grams)
            n_pos += 1
        else:
            negative.update(grams)
            n_neg += 1
    frequent = [g for g in set(positive) | set(negative) if positive[g] + negative[g] >= MIN_DOCUMENTS]
    frequent.sort(key=lambda g: (-(positive[g] + negative[g]), g))
    kept = frequent[:KEEP]
    total_pos = sum(positive[g] + ALPHA for g in kept)
    total_neg = sum(negative[g] + ALPHA for g in kept)
    weights = {g: math.log((positive[g] + ALPHA) / total_pos) - math.log((negative[g] + ALPHA) / total_neg) for g in kept}
    return math.log(n_pos / n_neg), weights


def score(model, grams):
    bias, weights = model
    return bias + sum(weights.get(g, 0.0) for g in grams)


def accuracy(model, rows):
    right = sum(1 for _, label, grams in rows if (score(model, grams) > 0) == (label == 1))
    return right / len(rows)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else MODEL
    rows = read(corpus)
    print(f"{len(rows)} reviews from {corpus}")
    results = []
    for category in sorted({cat for cat, _, _ in rows}):
        held_out = [r for r in rows if r[0] == category]
        model = train([r for r in rows if r[0] != category])
        results.append((category, len(held_out), accuracy(model, held_out)))
        print(f"  held out {category}: {len(held_out)} reviews, accuracy {results[-1][2]:.3f}")
    mean = sum(a for _, _, a in results) / len(results)
    weighted = sum(n * a for _, n, a in results) / sum(n for _, n, _ in results)
    print(f"held-out category accuracy: mean {mean:.3f}, weighted by reviews {weighted:.3f}")
    bias, weights = train(rows)
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Salescope customer-sentiment model: binarised naive-Bayes log-count ratios of character\n")
        f.write("# uni-, bi- and trigrams. Trained by scripts/train_sentiment.py on sentiment_train_zh.csv.gz\n")
        f.write("# (52,773 online-shopping reviews, nine categories, from the online_shopping_10_cats set of\n")
        f.write("# the ChineseNlpCorpus collection (SophonPlus), hotel category removed).\n")
        f.write(f"# Held-out-category accuracy: mean {mean:.3f}, weighted {weighted:.3f}.\n")
        f.write(f"bias\t{bias:.4f}\n")
        for gram in sorted(weights):
            f.write(f"{gram}\t{weights[gram]:.3f}\n")
    print(f"wrote {len(weights)} features to {out}")


if __name__ == "__main__":
    main()
