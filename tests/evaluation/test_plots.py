import numpy as np

from classifier.evaluation import plots

PNG = b"\x89PNG"


def test_every_figure_is_a_png(tmp_path):
    rng = np.random.default_rng(0)
    Y = (rng.random((60, 2)) < 0.4).astype(int)
    proba = np.clip(Y * 0.6 + rng.random((60, 2)) * 0.4, 0, 1)
    predicted = (proba > 0.5).astype(int)
    labels, colours = ["a", "b"], ["#d62728", "#1f77b4"]
    made = [
        plots.pr_curves(Y, proba, labels, colours, [0.5, 0.5], tmp_path / "pr.png"),
        plots.calibration(Y, proba, labels, colours, tmp_path / "cal.png"),
        plots.cooccurrence(Y, predicted, labels, tmp_path / "co.png"),
        plots.learning_curve([{"cases": 5, "macro_f1": 0.5, "sd": 0.1},
                              {"cases": 10, "macro_f1": 0.7, "sd": 0.05}], tmp_path / "lc.png"),
        plots.generalisation({"cv": {"a": 0.8, "b": 0.7, "macro": 0.75}}, labels,
                             tmp_path / "gen.png"),
    ]
    for path in made:
        assert path.read_bytes()[:4] == PNG
