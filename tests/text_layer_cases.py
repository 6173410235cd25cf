"""The cases tests/fixtures/make/keras3_text_layers.py runs through Keras 3 and
tests/test_keras3_text_layers.py replays in dagnet: per case a layer class, its constructor
arguments, optionally data to adapt on (a list of batches when "batches" is set), and the
inputs to call it on."""

import numpy as np

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "The dog barks; the FOX runs!",
    "A quick-thinking dog... and a lazy cat?",
    "Café ÉTÉ naïve, the end",
    "  spaces\tand\nnewlines   here  ",
    "",
    "dog dog dog cat cat bird",
]
QUERIES = [
    "the lazy fox and the unknown zebra",
    "Dog!",
    "",
    "cat bird bird never seen tokens repeated repeated",
]
WORDS = ["b", "a", "c", "a", "d", "b", "a", "e", "", "c", "f", "b"]
WORD_QUERIES = [["a", "b", "zz", ""], ["f", "q", "a", "a"]]
INTS = [3, 7, 7, 1, 0, 12, 3, 7, 5, 3, 12, 8, 0, 9]
INT_QUERIES = [[3, 7, 100, 0], [12, 5, -4, 1]]

_rng = np.random.default_rng(7)
FLOATS = _rng.normal(size=(64, 3)).astype("float32").round(3).tolist()
FLOAT_QUERIES = [[-1.5, -0.2, 0.0], [0.3, 1.0, 2.5]]


def _text(name, kwargs, adapt=None, inputs=QUERIES, batches=None, steps=None):
    return {
        "layer": "TextVectorization",
        "name": name,
        "kwargs": kwargs,
        "adapt": adapt,
        "inputs": inputs,
        "batches": batches,
        "steps": steps,
    }


def _case(layer, name, kwargs, adapt=None, inputs=None, batches=None, steps=None, call_kwargs=None):
    return {
        "layer": layer,
        "name": name,
        "kwargs": kwargs,
        "adapt": adapt,
        "inputs": inputs,
        "batches": batches,
        "steps": steps,
        "call_kwargs": call_kwargs,
    }


TEXT_CASES = [
    _text("default", {}, SENTENCES),
    _text("max_tokens_truncate", {"max_tokens": 6, "output_sequence_length": 4}, SENTENCES),
    _text("pad_sequence", {"max_tokens": 8, "output_sequence_length": 12}, SENTENCES),
    _text("ngrams2", {"ngrams": 2}, SENTENCES),
    _text("ngrams_1_3", {"ngrams": (1, 3), "max_tokens": 30}, SENTENCES),
    _text("ngrams_only3", {"ngrams": (3,)}, SENTENCES),
    _text("multi_hot", {"output_mode": "multi_hot"}, SENTENCES),
    _text("count", {"output_mode": "count", "max_tokens": 10}, SENTENCES),
    _text("tf_idf", {"output_mode": "tf_idf"}, SENTENCES),
    _text("tf_idf_padded", {"output_mode": "tf_idf", "max_tokens": 40, "pad_to_max_tokens": True}, SENTENCES),
    _text("multi_hot_padded", {"output_mode": "multi_hot", "max_tokens": 30, "pad_to_max_tokens": True}, SENTENCES),
    _text(
        "one_hot_nosplit",
        {"output_mode": "one_hot", "split": None},
        ["a", "b", "a", "c c"],
        inputs=["a", "c c", "zz", ""],
    ),
    _text("lower", {"standardize": "lower"}, SENTENCES),
    _text("strip_punctuation", {"standardize": "strip_punctuation"}, SENTENCES),
    _text("no_standardize", {"standardize": None}, SENTENCES),
    _text("character", {"split": "character"}, SENTENCES),
    _text("character_ngrams", {"split": "character", "ngrams": 2, "max_tokens": 25}, SENTENCES),
    _text("no_split", {"split": None}, SENTENCES, inputs=["the end", "café été naïve the end", "", "zebra"]),
    _text("vocabulary", {"vocabulary": ["the", "dog", "fox", "cat"]}, None),
    _text("vocabulary_seq", {"vocabulary": ["the", "dog", "fox", "cat"], "output_sequence_length": 5}, None),
    _text(
        "vocabulary_tf_idf",
        {"vocabulary": ["the", "dog", "fox"], "idf_weights": [0.5, 1.5, 2.0], "output_mode": "tf_idf"},
        None,
    ),
    _text(
        "vocabulary_count_padded",
        {"vocabulary": ["the", "dog"], "output_mode": "count", "max_tokens": 6, "pad_to_max_tokens": True},
        None,
    ),
    _text("column_input", {"output_sequence_length": 6}, SENTENCES, inputs=[[q] for q in QUERIES]),
    _text("batches", {"max_tokens": 12}, None, batches=[SENTENCES[:3], SENTENCES[3:5], SENTENCES[5:]]),
    _text("batches_steps", {}, None, batches=[SENTENCES[:3], SENTENCES[3:5], SENTENCES[5:]], steps=2),
]

LOOKUP_CASES = [
    _case("StringLookup", "default", {}, WORDS, WORD_QUERIES),
    _case("StringLookup", "mask", {"mask_token": ""}, WORDS, WORD_QUERIES),
    _case("StringLookup", "max_tokens", {"max_tokens": 4}, WORDS, WORD_QUERIES),
    _case(
        "IntegerLookup",
        "farmhash_oov",
        {"num_oov_indices": 4, "oov_method": "farmhash"},
        INTS,
        INT_QUERIES + [[100, 101, 102, -7]],
    ),
    _case(
        "IntegerLookup",
        "salted_oov",
        {"num_oov_indices": 4, "oov_method": "farmhash", "salt": [3, 9]},
        INTS,
        INT_QUERIES + [[100, 101, 102, -7]],
    ),
    _case("StringLookup", "salted_oov", {"num_oov_indices": 3, "salt": 11}, WORDS, [["zz", "q", "hello", "x", "a"]]),
    _case("StringLookup", "two_oov", {"num_oov_indices": 2}, WORDS, WORD_QUERIES + [["zz", "q", "hello", "x"]]),
    _case(
        "StringLookup",
        "five_oov_mask",
        {"num_oov_indices": 5, "mask_token": ""},
        WORDS,
        [["zz", "q", "hello", "x", "", "a", "abcdefghijklmnopq"]],
    ),
    _case("StringLookup", "zero_oov_known", {"num_oov_indices": 0}, WORDS, [["a", "b", "c"]]),
    _case("StringLookup", "oov_token", {"oov_token": "<?>"}, WORDS, WORD_QUERIES),
    _case("StringLookup", "invert", {"invert": True, "vocabulary": ["a", "b", "c"]}, None, [[0, 1, 2, 3, 7]]),
    _case(
        "StringLookup",
        "invert_mask",
        {"invert": True, "mask_token": "", "vocabulary": ["a", "b"]},
        None,
        [[0, 1, 2, 3, 9]],
    ),
    _case("StringLookup", "one_hot", {"output_mode": "one_hot"}, WORDS, ["a", "zz", "f", ""]),
    _case("StringLookup", "one_hot_column", {"output_mode": "one_hot"}, WORDS, [["a"], ["zz"], ["f"]]),
    _case("StringLookup", "multi_hot", {"output_mode": "multi_hot"}, WORDS, WORD_QUERIES),
    _case("StringLookup", "multi_hot_mask", {"output_mode": "multi_hot", "mask_token": ""}, WORDS, WORD_QUERIES),
    _case("StringLookup", "count", {"output_mode": "count"}, WORDS, WORD_QUERIES),
    _case(
        "StringLookup",
        "count_padded",
        {"output_mode": "count", "max_tokens": 10, "pad_to_max_tokens": True},
        WORDS,
        WORD_QUERIES,
    ),
    _case(
        "StringLookup",
        "tf_idf",
        {"output_mode": "tf_idf"},
        [["a", "b", "a"], ["c", "a", "d"], ["b", "b", "e"]],
        WORD_QUERIES,
    ),
    _case("StringLookup", "vocabulary", {"vocabulary": ["x", "a", "b"]}, None, WORD_QUERIES),
    _case(
        "StringLookup",
        "vocabulary_with_specials",
        {"vocabulary": ["", "[UNK]", "x", "a"], "mask_token": ""},
        None,
        WORD_QUERIES,
    ),
    _case("StringLookup", "multi_hot_rank1", {"output_mode": "multi_hot"}, WORDS, ["a", "b", "zz", "a"]),
    _case("StringLookup", "batches", {}, None, WORD_QUERIES, batches=[WORDS[:5], WORDS[5:]]),
    _case("IntegerLookup", "default", {}, INTS, INT_QUERIES),
    _case("IntegerLookup", "mask0", {"mask_token": 0}, INTS, INT_QUERIES),
    _case("IntegerLookup", "max_tokens", {"max_tokens": 4}, INTS, INT_QUERIES),
    _case("IntegerLookup", "three_oov", {"num_oov_indices": 3}, INTS, INT_QUERIES + [[100, 101, 102, -7]]),
    _case(
        "IntegerLookup",
        "oov_token",
        {"oov_token": -99, "invert": True, "vocabulary": [5, 9, 2]},
        None,
        [[0, 1, 2, 3, 8]],
    ),
    _case("IntegerLookup", "one_hot", {"output_mode": "one_hot"}, INTS, [3, 100, 12]),
    _case("IntegerLookup", "multi_hot", {"output_mode": "multi_hot"}, INTS, INT_QUERIES),
    _case("IntegerLookup", "count_mask", {"output_mode": "count", "mask_token": 0}, INTS, INT_QUERIES),
    _case("IntegerLookup", "tf_idf", {"output_mode": "tf_idf"}, [[1, 2, 1], [3, 1, 4], [2, 2, 5]], INT_QUERIES),
    _case("IntegerLookup", "vocabulary", {"vocabulary": [12, 3, 7]}, None, INT_QUERIES),
    _case("IntegerLookup", "vocabulary_mask", {"vocabulary": [12, 3, 7], "mask_token": 0}, None, INT_QUERIES),
]

HASH_STRINGS = [
    "",
    "a",
    "ab",
    "abc",
    "abcd",
    "hello",
    "hello wo",
    "hello world!",
    "0123456789abcdef",
    "0123456789abcdefg",
    "the quick brown fox jumps",
    "0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef!",
    "x" * 63,
    "y" * 64,
    "z" * 65,
    "The quick brown fox jumps over the lazy dog and keeps running far away into the forest until nightfall",
    "é日本語テキスト" * 9,
    "q" * 200,
    "w" * 129,
    "e" * 128,
]

OTHER_CASES = [
    _case("Hashing", "strings", {"num_bins": 1 << 30}, None, [HASH_STRINGS]),
    _case("Hashing", "strings_small", {"num_bins": 7}, None, [HASH_STRINGS]),
    _case("Hashing", "ints", {"num_bins": 1000}, None, [[0, 1, -1, 42, 123456789, -987654321, 2**40]]),
    _case("Hashing", "ints_salt", {"num_bins": 1000, "salt": 7}, None, [[0, 1, -1, 42, 123456789, -987654321]]),
    _case("Hashing", "int32_dtype", {"num_bins": 9, "dtype": "int32"}, None, [["a", "b", "c"]]),
    _case("Hashing", "floats", {"num_bins": 50}, None, [[0.5, 1.9, -2.7, 3.0]]),
    _case("Hashing", "mask_value", {"num_bins": 5, "mask_value": ""}, None, [["", "a", "b", "", "zz"]]),
    _case("Hashing", "mask_value_int", {"num_bins": 5, "mask_value": 0}, None, [[0, 1, 2, 0, 3]]),
    _case("Hashing", "salt", {"num_bins": 1 << 30, "salt": 133}, None, [HASH_STRINGS]),
    _case("Hashing", "salt_pair", {"num_bins": 97, "salt": [5, 2**40 + 3]}, None, [HASH_STRINGS]),
    _case("Hashing", "one_hot", {"num_bins": 4, "output_mode": "one_hot"}, None, ["a", "b", "c"]),
    _case("Hashing", "multi_hot", {"num_bins": 4, "output_mode": "multi_hot"}, None, [["a", "b"], ["c", "c"]]),
    _case("Hashing", "count", {"num_bins": 4, "output_mode": "count"}, None, [["a", "b", "a"], ["c", "c", "d"]]),
    _case("CategoryEncoding", "one_hot", {"num_tokens": 5, "output_mode": "one_hot"}, None, [0, 3, 4, 1]),
    _case("CategoryEncoding", "one_hot_column", {"num_tokens": 5, "output_mode": "one_hot"}, None, [[0], [3], [4]]),
    _case("CategoryEncoding", "one_hot_2d", {"num_tokens": 5, "output_mode": "one_hot"}, None, [[0, 2], [3, 3]]),
    _case("CategoryEncoding", "multi_hot", {"num_tokens": 6}, None, [[0, 2, 2], [5, 1, 1]]),
    _case("CategoryEncoding", "multi_hot_rank1", {"num_tokens": 6}, None, [0, 2, 2, 5]),
    _case("CategoryEncoding", "count", {"num_tokens": 6, "output_mode": "count"}, None, [[0, 2, 2], [5, 1, 1]]),
    _case(
        "CategoryEncoding",
        "count_weights",
        {"num_tokens": 4, "output_mode": "count"},
        None,
        [[0, 2, 2], [3, 1, 1]],
        call_kwargs={"count_weights": [[0.5, 1.0, 2.0], [1.5, 0.25, 0.25]]},
    ),
    _case("Discretization", "boundaries", {"bin_boundaries": [-1.0, 0.0, 1.0]}, None, FLOAT_QUERIES),
    _case(
        "Discretization", "one_hot", {"bin_boundaries": [-1.0, 0.0, 1.0], "output_mode": "one_hot"}, None, FLOAT_QUERIES
    ),
    _case(
        "Discretization",
        "multi_hot",
        {"bin_boundaries": [-1.0, 0.0, 1.0], "output_mode": "multi_hot"},
        None,
        FLOAT_QUERIES,
    ),
    _case("Discretization", "count", {"bin_boundaries": [-1.0, 0.0, 1.0], "output_mode": "count"}, None, FLOAT_QUERIES),
    _case("Discretization", "adapt", {"num_bins": 4}, FLOATS, FLOAT_QUERIES),
    _case("Discretization", "adapt_eps", {"num_bins": 5, "epsilon": 0.1}, FLOATS, FLOAT_QUERIES),
    _case(
        "Discretization",
        "adapt_batches",
        {"num_bins": 3, "epsilon": 0.05},
        None,
        FLOAT_QUERIES,
        batches=[FLOATS[:20], FLOATS[20:45], FLOATS[45:]],
    ),
]

CASES = TEXT_CASES + LOOKUP_CASES + OTHER_CASES

# (layer, kwargs, input shape) for compute_output_shape.
SHAPE_CASES = [
    ("TextVectorization", {"vocabulary": ["a", "b"]}, [None]),
    ("TextVectorization", {"vocabulary": ["a", "b"], "output_sequence_length": 7}, [None, 1]),
    ("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "multi_hot"}, [None]),
    ("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "count", "split": None}, [None]),
    ("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "one_hot", "split": None}, [4, 1]),
    ("StringLookup", {"vocabulary": ["a", "b"]}, [None, 3]),
    ("StringLookup", {"vocabulary": ["a", "b"], "output_mode": "one_hot"}, [None, 1]),
    ("StringLookup", {"vocabulary": ["a", "b"], "output_mode": "one_hot"}, [None, 3]),
    (
        "StringLookup",
        {"vocabulary": ["a", "b"], "output_mode": "multi_hot", "max_tokens": 9, "pad_to_max_tokens": True},
        [None, 3],
    ),
    ("IntegerLookup", {"vocabulary": [1, 2], "output_mode": "count"}, [None, 3]),
    ("Hashing", {"num_bins": 4}, [None, 3]),
    ("Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, [None, 3]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, [None]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, [None, 1]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, [None, 3]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0]}, [None, 3]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"}, [None, 1]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "multi_hot"}, [None, 3]),
]
