"""The eight seed models as PyTorch modules, written the way a PyTorch user would: NCHW
images, (batch, channels, steps) for Conv1d, batch_first LSTMs, and the last layer's
activation folded into the loss (cross-entropy on logits, BCE with logits), which is
the same loss as Keras's activation + cross-entropy. Shapes, filters, strides and
parameter counts match the Keras definitions, except that a PyTorch LSTM has two bias
vectors where Keras has one (4 * units more parameters per LSTM).

Each model's `forward` returns its outputs in the Keras output order; `loss` turns them
and the targets into the weighted training loss.
"""

import torch
import torch.nn.functional as F
from specs import LOSS_WEIGHTS
from torch import nn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        return self.net(x)


def _conv(cin, cout, size, stride=1):
    """Keras 'same' padding and an elu; stride 2 with odd sizes gives Keras's output size."""
    return nn.Sequential(nn.Conv2d(cin, cout, size, stride, padding=size // 2), nn.ELU())


class InceptionModule(nn.Module):
    def __init__(self, cin, f):
        super().__init__()
        self.a = _conv(cin, f, 1, 2)
        self.b = nn.Sequential(_conv(cin, f, 1), _conv(f, f, 3, 2))
        self.c = nn.Sequential(_conv(cin, f, 1), _conv(f, f, 5, 2))
        self.d = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), _conv(cin, f, 1, 2))

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x), self.c(x), self.d(x)], dim=1)


def _inception_features():
    return nn.Sequential(
        InceptionModule(3, 10), InceptionModule(40, 40), nn.Flatten(), nn.Linear(160 * 8 * 8, 100), nn.ELU()
    )


class Inception(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(_inception_features(), nn.Linear(100, 20), nn.ELU(), nn.Linear(20, 1))

    def forward(self, x):
        return self.net(x)


class DualInception(nn.Module):
    def __init__(self):
        super().__init__()
        self.subnet = _inception_features()
        self.head = nn.Sequential(nn.Linear(200, 20), nn.ELU(), nn.Linear(20, 1))

    def forward(self, a, b):
        return self.head(torch.cat([self.subnet(a), self.subnet(b)], dim=1))


def _last_state(lstm, x):
    return lstm(x)[1][0][-1]  # h_n of the last layer: Keras's LSTM(return_sequences=False)


class TextQa(nn.Module):
    def __init__(self):
        super().__init__()
        self.text_embed, self.text_lstm = nn.Embedding(10000, 64), nn.LSTM(64, 32, batch_first=True)
        self.question_embed, self.question_lstm = nn.Embedding(10000, 32), nn.LSTM(32, 16, batch_first=True)
        self.answer = nn.Linear(48, 500)

    def forward(self, text, question):
        encoded = [
            _last_state(self.text_lstm, self.text_embed(text)),
            _last_state(self.question_lstm, self.question_embed(question)),
        ]
        return self.answer(torch.cat(encoded, dim=1))


class SiameseLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(256, 64, batch_first=True)
        self.out = nn.Linear(128, 1)

    def forward(self, a, b):
        return self.out(torch.cat([_last_state(self.lstm, a), _last_state(self.lstm, b)], dim=1))


class Conv1dMulti(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50000, 256)
        self.convs = nn.Sequential(
            nn.Conv1d(256, 128, 5),
            nn.ReLU(),
            nn.MaxPool1d(5),
            nn.Conv1d(128, 256, 5),
            nn.ReLU(),
            nn.Conv1d(256, 256, 5),
            nn.ReLU(),
            nn.MaxPool1d(5),
            nn.Conv1d(256, 256, 5),
            nn.ReLU(),
            nn.Conv1d(256, 256, 5),
            nn.ReLU(),
        )
        self.dense = nn.Sequential(nn.Linear(256, 128), nn.ReLU())
        self.age, self.income, self.gender = nn.Linear(128, 1), nn.Linear(128, 10), nn.Linear(128, 1)

    def forward(self, posts):
        x = self.convs(self.embed(posts).transpose(1, 2)).amax(dim=2)
        x = self.dense(x)
        return self.age(x), self.income(x), self.gender(x)


class ResnetBlock(nn.Module):
    def __init__(self):
        super().__init__()

        def conv():
            return nn.Sequential(nn.Conv2d(128, 128, 3, padding=1), nn.ReLU())

        self.identity = nn.Sequential(conv(), conv(), conv())
        self.projection = nn.Sequential(conv(), conv(), nn.MaxPool2d(2, 2))
        self.shortcut = nn.Conv2d(128, 128, 1, stride=2)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        y = self.identity(x) + x
        z = self.projection(y) + self.shortcut(y)
        return self.out(z.mean(dim=(2, 3)))


class Headline(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.lstm = nn.Embedding(10000, 512), nn.LSTM(512, 32, batch_first=True)
        self.aux_out = nn.Linear(32, 1)
        self.dense = nn.Sequential(
            nn.Linear(37, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU()
        )
        self.main_out = nn.Linear(64, 1)

    def forward(self, words, aux):
        lstm_out = _last_state(self.lstm, self.embed(words))
        return self.main_out(self.dense(torch.cat([lstm_out, aux], dim=1))), self.aux_out(lstm_out)


MODULES = {
    "mlp": Mlp,
    "inception": Inception,
    "dual_inception": DualInception,
    "text_qa": TextQa,
    "siamese_lstm": SiameseLstm,
    "conv1d_multi": Conv1dMulti,
    "resnet_block": ResnetBlock,
    "headline": Headline,
}

# The loss of each output, on logits, in output order.
_LOSSES = {
    "mlp": [F.cross_entropy],
    "inception": [F.binary_cross_entropy_with_logits],
    "dual_inception": [F.binary_cross_entropy_with_logits],
    "text_qa": [F.cross_entropy],
    "siamese_lstm": [F.binary_cross_entropy_with_logits],
    "conv1d_multi": [F.mse_loss, F.cross_entropy, F.binary_cross_entropy_with_logits],
    "resnet_block": [F.cross_entropy],
    "headline": [F.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits],
}


def loss(name: str, outputs, targets) -> torch.Tensor:
    """The weighted sum of the per-output losses (Keras's loss_weights), each a batch mean."""
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    weights = LOSS_WEIGHTS.get(name, [1.0])
    return sum(w * fn(o, t) for w, fn, o, t in zip(weights, _LOSSES[name], outputs, targets))


def optimizer(name: str, params) -> torch.optim.Optimizer:
    """Keras's optimizer for the model with Keras's defaults (rmsprop: lr 1e-3, rho 0.9, eps 1e-7)."""
    if name in ("inception", "dual_inception"):
        return torch.optim.Adam(params, lr=1e-4, eps=1e-7)
    return torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7)
