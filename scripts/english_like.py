"""Deterministic English-like text for the tokenizer fixtures (scripts/make-tokenizer-golden.py trains
on it) and the encoding benchmark (scripts/bench-tokenize-vs-tokenizers.py). Imported; not run on its own."""

import random

WORDS = ("the of and to in is was for on that with as by it at from his her an are be this which or had "
         "not but were have one all their they there been has more when who will would no if out so said "
         "what up its about into than them can only other new some could time these two may then do first "
         "any my now such like our over man me even most made after also did many before must through "
         "back years where much your way well down should because each just those people how too little "
         "state good very make world still own see men work long get here between both life being under "
         "never day same another know while last might us great old year off come since against go came "
         "right used take three finch bird song river mountain garden winter summer morning evening light "
         "water stone tokenizer model training data language text number question answer reason simple").split()
ACCENTED = "café naïve résumé Zürich São Paulo Ångström façade jalapeño coöperate Dvořák Łódź".split()
FOREIGN = ["数据", "模型", "训练", "東京", "ひらがな", "Привет", "мир", "مرحبا", "γλώσσα"]
SYLLABLES = "ba be bi bo bu ca ce co da de di do fa fe fi ga ge go ha he hi ka ke ki la le li lo ma me mi mo na ne " \
            "ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi wa we ya yo za ze str pl tr gr th sh ch".split()


def pseudo_word(rng: random.Random) -> str:
    """A pronounceable non-word, so the trainers see more than the fixed word list."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))


def english_like(rng: random.Random, sentences: int) -> str:
    """Sentences of common words with capitals, punctuation, contractions, numbers and some accents."""
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) if rng.random() < 0.8 else pseudo_word(rng) for _ in range(rng.randint(4, 16))]
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] = rng.choice(ACCENTED)
        if rng.random() < 0.2:
            words[rng.randrange(len(words))] = str(rng.randint(0, 10 ** rng.randint(1, 7)))
        if rng.random() < 0.15:
            i = rng.randrange(len(words))
            words[i] += rng.choice(["'s", "'t", "'re", "'ll", "'ve", "'d", "'m"])
        if rng.random() < 0.05:
            words[rng.randrange(len(words))] = rng.choice(FOREIGN)
        if rng.random() < 0.3:
            words.insert(rng.randrange(1, len(words)), rng.choice([",", ";", " -", ":"]))
        sentence = " ".join(words).replace(" ,", ",").replace(" ;", ";").replace(" :", ":")
        out.append(sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", "?", "!"]))
        if rng.random() < 0.1:
            out.append("\n\n" if rng.random() < 0.5 else "\n")
    return " ".join(out).replace(" \n", "\n").replace("\n ", "\n")
