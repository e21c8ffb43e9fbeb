"""Every quantitative or comparative claim in the lessons of notebooks 05–14 is protected.

How the guarantee works, without running any notebook a second time:

* Next to each claim the notebook has a deterministic code cell marked
  ``# NBVAL_CHECK_OUTPUT`` that *measures* the claim on the notebook's own results (same
  code, same seeds) and prints it as a fact that is stable across machines — a boolean with
  a margin ("... : True"), never a raw float.
* nbval (the ``notebooks`` tier) executes every notebook and compares each checked cell's
  fresh output with the output stored in the notebook. If a change makes a claim false, the
  cell prints "False" instead of "True" and that run fails.
* This module (fast, ``library`` tier) ties the two together: for each claim sentence it
  asserts that the sentence is still in the notebook's text, that the protecting cell
  exists and is checked by nbval, and that its stored output states the protecting fact.
  So nobody can reword a claim, drop its check, or store a "False" without a failure here.

When you change a claim, change its measuring cell and the entry below together.
"""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"

# notebook -> [(claim as written in a markdown cell, id of the checked cell, fact it prints)]
# Sentences and facts are compared with whitespace collapsed, so line breaks do not matter.
CLAIMS = {
    "05_initialization.ipynb": [
        ("every layer multiplies the signal's spread by about √(width/2) ≈ 5.7",
         "cell-06b", "N(0, 1): spread ×5–6.5 per layer: True"),
        ("after 8 layers it is about a million times larger",
         "cell-06b", "last layer's spread 10⁵–10⁷: True"),
        ("the gradients are some 10¹¹ times those with He initialization",
         "cell-06b", "gradients 10¹⁰–10¹² times He's: True"),
        ("With N(0, 0.01) the spread shrinks by ≈ 0.06 per layer",
         "cell-06b", "N(0, 0.01): spread ×0.05–0.07 per layer: True"),
        ("every gradient is a few times 10⁻⁹",
         "cell-06b", "every gradient 10⁻⁹–10⁻⁸: True"),
        ("about ten billion (10¹⁰) times smaller than with He initialization",
         "cell-06b", "He's 10⁹–10¹¹ times larger: True"),
        ("He initialization, made for ReLU, keeps the spread constant",
         "cell-06b", "He: every layer's spread 0.7–1.3: True"),
        ("loses a factor of about √2 per ReLU layer",
         "cell-06b", "Glorot: spread ×0.6–0.8 per layer (1/√2 ≈ 0.71): True"),
    ],
    "06_custom_loss_functions.ipynb": [
        ("Same value as `dl.huber`",
         "cell-05b", "my_huber gives the same value as dl.huber: True"),
        ("Are its gradients right too?",
         "cell-05b", "its gradients agree with finite differences: True"),
        ("Outliers pull the L2 fit; Huber barely moves",  # the figure's title
         "cell-08b", "Huber within 0.2 of the true slope 2 and intercept 1: True"),
        ("Outliers pull the L2 fit",
         "cell-08b", "L2 intercept pulled up by more than 0.5: True"),
        ("A classifier can reach 95 % accuracy by never predicting the rare class",
         "cell-11b", "never predicting the rare class would score 95 % accuracy: True"),
        ("the network scores a high accuracy while it misses roughly a third of the rare class",
         "cell-11b", "unweighted: accuracy above 0.95: True | misses a fifth to a half of the rare"
                     " class: True"),
        ("The weighted loss finds almost all of the rare class",
         "cell-11b", "weighted: rare-class recall at least 0.8: True"),
        ("so its accuracy is lower",
         "cell-11b", "accuracy lower than unweighted: True"),
    ],
    "07_update_functions.ipynb": [
        ("after 500 iterations it has only reached the middle of the valley, near (0, 0)",
         "cell-07b", "SGDM α=2e-4: ends at (-0.01, -0.00)"),
        ("Five times the rate, α = 10⁻³, runs to the minimum",
         "cell-07b", "SGDM α=1e-3: ends at ( 1.00, 0.99), loss 0.00"),
        ("but α = 2·10⁻³ diverges",
         "cell-07b", "SGDM α=2e-3 diverges (ends at nan or inf): True"),
        ("But here both end *behind* the well-tuned SGDM",
         "cell-07b", "RMSProp: ends at ( 0.48, 0.24), loss 0.28"),
        ("Adam, with a learning rate α = 0.05 that looks generous, ends furthest from the minimum"
         " of all",
         "cell-07b", "Adam: ends at (-0.62, 0.39), loss 2.64"),
        ("so on the valley floor its steps are less than a tenth of α",
         "cell-07b", "Adam's mean step over iterations 300–500 is less than α/10: True"),
        ("With β₂ = 0.99 it forgets ten times faster and gets about as far as RMSProp",
         "cell-07b", "Adam with β₂ = 0.99 ends at (0.52, 0.27)"),
        ("L-BFGS builds a curvature model and reaches the minimum in a few dozen steps",
         "cell-07b", "L-BFGS: ends at ( 1.00, 1.00), loss 0.00"),
    ],
    "09_siamese_network.ipynb": [
        ("the network is about as good as comparing pixels",
         "cell-19b", "5-way: the network within 10 points of the pixel distance: True"),
        ("and worse on 20-way trials",
         "cell-19b", "20-way: the network below the pixel distance: True"),
        ("for most test digits the nearest cluster centre is that of their own digit",
         "cell-25b", "a test digit's nearest cluster centre is its own digit's in over half the"
                     " cases: True"),
        ("some clusters lie on top of each other",
         "cell-25b", "some two digits' centres are closer than a cluster's typical radius: True"),
    ],
    "10_sequence_classification.ipynb": [
        ("over the first epoch the LSTM's loss is even a little lower",
         "cell-18b", "epoch 1: the LSTM's mean loss is lower: True"),
        ("from the third epoch on the GRU's loss is lower",
         "cell-18b", "epochs 3–7: the GRU's mean loss is lower: True"),
        ("For both models, mostly sine and triangle",
         "cell-21b", "LSTM: most often confused: ['sine', 'triangle']"),
        ("For both models, mostly sine and triangle",
         "cell-21b", "GRU: most often confused: ['sine', 'triangle']"),
        ("for every sequence shorter than the longest, the LSTM has run on zeros",
         "cell-25b", "right padding to the longest length loses accuracy: True"),
        ("after at least 55 zeros the accuracy is down to chance",
         "cell-25b", "at least 55 zeros after the data: accuracy below 35 % (chance 25 %): True"),
    ],
    "11_attention_and_embeddings.ipynb": [
        ("With full attention the block reverses perfectly",
         "cell-06b", "full attention: every test token right: True"),
        ("the first half of the output, which needs tokens from the end, is guesswork",
         "cell-06b", "causal mask: first half below 20 % (chance 5 %): True"),
        ("each query t puts its weight on key T − 1 − t — an anti-diagonal",
         "cell-08b", "some head puts its largest weight on key T − 1 − t for over 90 % of the"
                     " queries: True"),
    ],
    "12_ctc.ipynb": [
        ("our target for this notebook is at least 75 %",
         "cell-09b", "reads at least 75 % of the test strings exactly: True"),
        ("For roughly the first hundred iterations the loss falls only slowly",
         "cell-09b", "loss over iterations 51–150 still above 9: True"),
        ("by the end the loss is a small fraction of its early plateau",
         "cell-09b", "over the last 100 below a tenth of that: True"),
        ("each digit is the most likely class in only one to three columns",
         "cell-10b", "over 95 % of the digits' spikes are one to three columns wide: True"),
        ("blank is the most likely class in the rest",
         "cell-10b", "blank is the most likely class in over 70 % of the columns: True"),
    ],
    "13_neural_ode.ipynb": [
        ("so they give the same gradient",
         "cell-11b", "direct and adjoint gradients agree to 0.1 %: True"),
    ],
    # the mode-coverage test of the WGAN: measured on the notebook's own generator
    "14_wgan_gp.ipynb": [
        ("the generator has found all four blobs — no mode collapse",
         "cell-13b", "every blob holds at least 12.5 % of the generated points (real: 25 %): True"),
        ("and most of its points lie in them",
         "cell-13b", "at least 60 % of the generated points lie near a blob (real: 99 %): True"),
        ("A **thin bridge** joins neighbouring blobs",
         "cell-13b", "some generated points lie between the blobs (over 5 %): True"),
        ("The critic's last bias, `critic.fc_3.Bias`, gets a zero gradient at every step",
         "cell-13b", "the critic's last bias got a zero gradient (below 1e-6) at the last step: True"),
        ("at the end it is higher on each blob than in the middle of the circle and in the corners",
         "cell-13b", "the critic scores every blob centre above the middle of the circle and above"
                     " the corners: True"),
    ],
}

CASES = [(name, index) for name, claims in CLAIMS.items() for index in range(len(claims))]


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


def _cells(name):
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _stored_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append("".join(out.get("text", "")))
        elif out.get("output_type") == "execute_result":
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def _id(case):
    name, index = case
    return f"{name[:2]}-{index}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_claim_sentence_is_still_in_the_notebook(case):
    name, index = case
    sentence = CLAIMS[name][index][0]
    text = _squash(" ".join("".join(c["source"]) for c in _cells(name)))
    assert _squash(sentence) in text, (
        f"{name}: the claim {sentence!r} is gone or reworded; update its entry in CLAIMS "
        "together with the cell that measures it")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_claim_is_protected_by_a_checked_output(case):
    name, index = case
    sentence, cell_id, fact = CLAIMS[name][index]
    cells = {c.get("id"): c for c in _cells(name)}
    assert cell_id in cells, f"{name}: no cell {cell_id} protects {sentence!r}"
    cell = cells[cell_id]
    assert cell["cell_type"] == "code"
    assert "".join(cell["source"]).startswith(CHECK_MARK), (
        f"{name}: cell {cell_id} is not compared by nbval (first line must be {CHECK_MARK})")
    stored = _squash(_stored_text(cell))
    assert _squash(fact) in stored, (
        f"{name}: cell {cell_id} should print {fact!r} to protect {sentence!r}; stored output "
        f"is {stored!r}")


def test_no_protecting_cell_stores_a_false_fact():
    for name, claims in CLAIMS.items():
        cells = {c.get("id"): c for c in _cells(name)}
        for cell_id in {cell_id for _, cell_id, _ in claims}:
            stored = _stored_text(cells[cell_id])
            assert stored.strip(), f"{name}: cell {cell_id} has no stored output"
            assert not re.search(r"\bFalse\b", stored), (
                f"{name}: cell {cell_id} stores a claim that does not hold:\n{stored}")


def test_nbval_compares_checked_cells():
    # the guarantee rests on nbval running in lax mode, comparing exactly the marked cells
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "--nbval-lax" in text
