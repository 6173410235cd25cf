"""Visual question answering, then video question answering that reuses the trained
vision model on every frame with TimeDistributed and the question encoder as a model
(Keras functional guide). Sizes are small so the example runs in seconds; the
structure is the guide's.

    python examples/functional_api/visual_qa.py
"""

import numpy as np

from dagnet import Input, Model, Sequential, layers
from dagnet.layers import LSTM, Conv2D, Dense, Embedding, Flatten, MaxPooling2D, TimeDistributed


def build(image=32, vocabulary=1000, question_length=20, answers=100):
    vision_model = Sequential()
    vision_model.add(Conv2D(16, (3, 3), activation="relu", padding="same", input_shape=(image, image, 3)))
    vision_model.add(Conv2D(16, (3, 3), activation="relu"))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(32, (3, 3), activation="relu", padding="same"))
    vision_model.add(Conv2D(32, (3, 3), activation="relu"))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Flatten())

    image_input = Input(shape=(image, image, 3))
    encoded_image = vision_model(image_input)
    question_input = Input(shape=(question_length,), dtype="int32")
    embedded_question = Embedding(input_dim=vocabulary, output_dim=32, input_length=question_length)(question_input)
    encoded_question = LSTM(32)(embedded_question)
    merged = layers.concatenate([encoded_question, encoded_image])
    output = Dense(answers, activation="softmax")(merged)
    vqa_model = Model(inputs=[image_input, question_input], outputs=output)
    vqa_model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])

    video_input = Input(shape=(4, image, image, 3))
    encoded_frame_sequence = TimeDistributed(vision_model)(video_input)  # a vector per frame
    encoded_video = LSTM(32)(encoded_frame_sequence)
    question_encoder = Model(inputs=question_input, outputs=encoded_question)  # reuses the weights
    video_question_input = Input(shape=(question_length,), dtype="int32")
    encoded_video_question = question_encoder(video_question_input)
    merged = layers.concatenate([encoded_video, encoded_video_question])
    output = Dense(answers, activation="softmax")(merged)
    video_qa_model = Model(inputs=[video_input, video_question_input], outputs=output)
    video_qa_model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return vision_model, vqa_model, video_qa_model


def main(samples=16, epochs=1):
    vision_model, vqa_model, video_qa_model = build()
    vqa_model.summary()
    video_qa_model.summary()
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(samples, 32, 32, 3)).astype("float32")
    questions = rng.integers(1, 1000, size=(samples, 20))
    answers = np.eye(100, dtype="float32")[rng.integers(0, 100, samples)]
    vqa_model.fit([images, questions], answers, epochs=epochs, batch_size=8, verbose=2)
    videos = rng.uniform(size=(samples, 4, 32, 32, 3)).astype("float32")
    video_qa_model.fit([videos, questions], answers, epochs=epochs, batch_size=8, verbose=2)
    return vqa_model, video_qa_model


if __name__ == "__main__":
    main()
