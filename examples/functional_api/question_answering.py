"""A two-input question-answering model: text and question, each embedded and encoded by
its own LSTM, concatenated, softmax over answers (Deep Learning with Python, 7.1.1).
Fed with a dict by input name.

    python examples/functional_api/question_answering.py
"""

import numpy as np

from dagnet import Input, Model, layers

text_vocabulary_size = 1000
question_vocabulary_size = 1000
answer_vocabulary_size = 50


def build():
    text_input = Input(shape=(None,), dtype="int32", name="text")
    embedded_text = layers.Embedding(text_vocabulary_size, 64)(text_input)
    encoded_text = layers.LSTM(32)(embedded_text)
    question_input = Input(shape=(None,), dtype="int32", name="question")
    embedded_question = layers.Embedding(question_vocabulary_size, 32)(question_input)
    encoded_question = layers.LSTM(16)(embedded_question)
    concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1)
    answer = layers.Dense(answer_vocabulary_size, activation="softmax")(concatenated)
    model = Model([text_input, question_input], answer)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    return model


def main(num_samples=256, max_length=20, epochs=2):
    model = build()
    model.summary()
    rng = np.random.default_rng(0)
    text = rng.integers(1, text_vocabulary_size, size=(num_samples, max_length))
    question = rng.integers(1, question_vocabulary_size, size=(num_samples, max_length))
    answers = np.eye(answer_vocabulary_size, dtype="float32")[rng.integers(0, answer_vocabulary_size, num_samples)]
    model.fit({"text": text, "question": question}, answers, epochs=epochs, batch_size=64, verbose=2)
    model.fit([text, question], answers, epochs=1, batch_size=64, verbose=0)
    return model


if __name__ == "__main__":
    main()
