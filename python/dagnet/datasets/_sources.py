"""Where Keras downloads its datasets from (the same URLs, so the same cached files)."""

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
