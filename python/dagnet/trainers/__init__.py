"""Training, as Keras 3's ``keras.src.trainers``: the Trainer that Model mixes in (compile,
fit / evaluate / predict), the compile utilities that resolve and lower losses and metrics,
the epoch iterator and data alignment, the logs, and the lowered runners."""
